/**
 * Runs an async task one at a time, coalescing requests that arrive while it runs into one
 * more run afterwards. Folding shard files after every point uses it: points may arrive
 * faster than a fold takes, and only the latest state matters.
 */
export class Coalesced {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  request(): void {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /** Resolves once no run is in progress or pending. */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.task();
      } catch (err) {
        this.onError(err);
      }
    } while (this.again);
    this.running = undefined;
  }
}
