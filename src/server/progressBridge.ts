/**
 * Each job as LSP work-done progress, created by the server (window/workDoneProgress/create)
 * and cancellable: the editor's cancel reaches the job manager like a prunelens/cancelJob.
 * Creating the progress is a round trip to the client, so an update that arrives before
 * it exists is held (only the latest matters) and applied once it does; after that,
 * updates go out at once, in the order the job reported them.
 */
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver';
import type { JobInfo } from '../shared/protocol';

function percentage(info: JobInfo): number {
  return info.total > 0 ? Math.min(100, Math.round((100 * info.done) / info.total)) : 0;
}

function message(info: JobInfo): string {
  const count = info.total > 0 ? `${info.done}/${info.total}` : '';
  return [info.stage, count].filter(Boolean).join(' ');
}

interface Entry {
  reporter?: WorkDoneProgressServerReporter;
  held?: JobInfo;
}

export class ProgressBridge {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly connection: Connection,
    private readonly supported: () => boolean,
    private readonly cancel: (jobId: string) => void,
  ) {}

  started(info: JobInfo): void {
    if (!this.supported()) return;
    const entry: Entry = {};
    this.entries.set(info.id, entry);
    void this.connection.window.createWorkDoneProgress().then(
      (reporter) => {
        reporter.begin(info.title, percentage(info), message(info), true);
        reporter.token.onCancellationRequested(() => this.cancel(info.id));
        entry.reporter = reporter;
        if (entry.held) this.apply(entry, entry.held);
      },
      () => this.entries.delete(info.id),
    );
  }

  update(info: JobInfo): void {
    const entry = this.entries.get(info.id);
    if (entry === undefined) return;
    if (entry.reporter === undefined) entry.held = info;
    else this.apply(entry, info);
  }

  private apply(entry: Entry, info: JobInfo): void {
    if (info.state === 'running') {
      entry.reporter?.report(percentage(info), message(info));
      return;
    }
    entry.reporter?.done();
    this.entries.delete(info.id);
  }
}
