/** What every CLI command gets: where to print and the signal that Ctrl-C fires. */
export interface CliContext {
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}
