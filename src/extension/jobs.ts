/**
 * The extension's view of the server's jobs, kept from prunelens/jobStatus notifications,
 * and starting a job from the UI: a cancellable notification follows a job the user
 * started until it ends, and its outcome is reported with a way to open what it wrote.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CancelJobRequest, ListJobsRequest, StartJobRequest, type JobInfo, type JobSpec } from '../shared/protocol';

export interface StartOptions {
  /** Called instead of the error message when the job fails; return true if it handled it. */
  readonly onFailed?: (info: JobInfo) => Promise<boolean> | boolean;
}

export class JobTracker implements vscode.Disposable {
  private readonly jobs = new Map<string, JobInfo>();
  private readonly changed = new vscode.EventEmitter<JobInfo>();
  private readonly waiters = new Map<string, (info: JobInfo) => void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** A prunelens/jobStatus notification arrived. */
  update(info: JobInfo): void {
    this.jobs.set(info.id, info);
    this.changed.fire(info);
    if (info.state !== 'running') {
      this.waiters.get(info.id)?.(info);
      this.waiters.delete(info.id);
    }
  }

  /** After a server (re)start: what it runs now, e.g. jobs it resumed. */
  async reload(): Promise<void> {
    const client = this.client();
    if (client === undefined) return;
    const { jobs } = await client.sendRequest(ListJobsRequest, {});
    this.jobs.clear();
    for (const job of jobs) this.update(job);
  }

  running(): JobInfo[] {
    return [...this.jobs.values()].filter((j) => j.state === 'running');
  }

  /** The running job writing this results file, if any. */
  runningFor(file: string): JobInfo | undefined {
    return this.running().find((j) => j.file !== undefined && path.resolve(j.file) === path.resolve(file));
  }

  async cancel(id: string): Promise<void> {
    await this.client()?.sendRequest(CancelJobRequest, { jobId: id });
  }

  /** Starts a job and follows it in a cancellable notification; resolves when it has started. */
  async start(spec: JobSpec, opts: StartOptions = {}): Promise<JobInfo | undefined> {
    const client = this.client();
    if (client === undefined) {
      void vscode.window.showErrorMessage('The PruneLens server is not running; run "PruneLens: Restart Server".');
      return undefined;
    }
    let info: JobInfo;
    try {
      info = await client.sendRequest(StartJobRequest, { spec });
    } catch (err) {
      void vscode.window.showErrorMessage(`PruneLens: ${(err as Error).message}`);
      return undefined;
    }
    // A quick job may have ended (its status arrived) before the reply to the start request.
    if (!this.jobs.has(info.id)) this.update(info);
    const current = this.jobs.get(info.id) ?? info;
    const ended = current.state !== 'running' ? Promise.resolve(current) : new Promise<JobInfo>((resolve) => this.waiters.set(info.id, resolve));
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: info.title, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => void this.cancel(info.id));
      let reported = 0;
      const listener = this.onDidChange((j) => {
        if (j.id !== info.id || j.total <= 0) return;
        const percent = (100 * j.done) / j.total;
        progress.report({ message: `${j.stage ?? ''} ${j.done}/${j.total}`.trim(), increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      });
      const end = await ended;
      listener.dispose();
      // Not awaited: the progress notification closes when the job ends, while the summary
      // message (which waits for the user's click) stays on its own.
      void this.report(end, opts);
    });
    return info;
  }

  private async report(info: JobInfo, opts: StartOptions): Promise<void> {
    if (info.state === 'cancelled') {
      void vscode.window.showInformationMessage(`${info.title}: cancelled${info.kind === 'sensitivity' ? '; the finished points are kept' : ''}.`);
    } else if (info.state === 'failed') {
      if (!(await opts.onFailed?.(info))) void vscode.window.showErrorMessage(`${info.title} failed: ${info.error ?? 'no reason given'}`);
    } else if (info.result) {
      const file = info.result.outputs.find((o) => o.endsWith('.json'));
      const choice = await vscode.window.showInformationMessage(`${info.title}: ${info.result.summary}`, ...(file ? ['Open'] : []));
      if (choice === 'Open' && file) await vscode.window.showTextDocument(vscode.Uri.file(file));
    }
  }
}
