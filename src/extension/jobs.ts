/**
 * The extension's view of the server's jobs, kept from prunelens/jobStatus notifications,
 * and starting a job from the UI: a cancellable notification follows a job the user
 * started until it ends, and its outcome is reported with buttons for the report and the
 * file it wrote (src/extension/jobOutcome.ts). Every job's start and outcome, whoever
 * started it, is recorded in the PruneLens output.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CancelJobRequest, ListJobsRequest, StartJobRequest, type JobInfo, type JobSpec } from '../shared/protocol';
import { outcomeActions, outcomeLine } from './jobOutcome';

export interface StartOptions {
  /** Called instead of the error message when the job fails; return true if it handled it. */
  readonly onFailed?: (info: JobInfo) => Promise<boolean> | boolean;
}

export interface JobTrackerHost {
  /** Writes a line to the PruneLens output. */
  log(line: string): void;
  /** Shows the Sensitivity Report of a results file. */
  showReport(file: string): void;
}

export class JobTracker implements vscode.Disposable {
  private readonly jobs = new Map<string, JobInfo>();
  private readonly changed = new vscode.EventEmitter<JobInfo>();
  private readonly waiters = new Map<string, ((info: JobInfo) => void)[]>();
  /** Jobs whose outcome is in the output already (a job's last status can arrive twice). */
  private readonly logged = new Set<string>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly host: JobTrackerHost,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** A prunelens/jobStatus notification arrived. */
  update(info: JobInfo): void {
    const before = this.jobs.get(info.id);
    this.jobs.set(info.id, info);
    if (before === undefined && info.state === 'running') this.host.log(`${info.title}: started`);
    this.changed.fire(info);
    if (info.state !== 'running') {
      if (!this.logged.has(info.id)) this.host.log(outcomeLine(info));
      this.logged.add(info.id);
      for (const resolve of this.waiters.get(info.id) ?? []) resolve(info);
      this.waiters.delete(info.id);
    }
  }

  /** After a server (re)start: what it runs now, e.g. jobs it resumed. */
  async reload(): Promise<JobInfo[]> {
    const client = this.client();
    if (client === undefined) return [];
    const { jobs } = await client.sendRequest(ListJobsRequest, {});
    this.jobs.clear();
    for (const job of jobs) this.update(job);
    return jobs.filter((j) => j.state === 'running');
  }

  running(): JobInfo[] {
    return [...this.jobs.values()].filter((j) => j.state === 'running');
  }

  /** The running job writing this results file, if any. */
  runningFor(file: string): JobInfo | undefined {
    return this.running().find((j) => j.file !== undefined && path.resolve(j.file) === path.resolve(file));
  }

  /** Resolves with the job's last status once it has ended (at once if it has). */
  ended(id: string): Promise<JobInfo> {
    const known = this.jobs.get(id);
    if (known !== undefined && known.state !== 'running') return Promise.resolve(known);
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
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
      this.host.log(`${spec.kind} job not started: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`PruneLens: ${(err as Error).message}`);
      return undefined;
    }
    // A quick job may have ended (its status arrived) before the reply to the start request.
    if (!this.jobs.has(info.id)) this.update(info);
    const ended = this.ended(info.id);
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
      void vscode.window.showInformationMessage(outcomeLine(info));
    } else if (info.state === 'failed') {
      if (!(await opts.onFailed?.(info))) void vscode.window.showErrorMessage(outcomeLine(info));
    } else if (info.result) {
      const actions = outcomeActions(info);
      const choice = await vscode.window.showInformationMessage(`${info.title}: ${info.result.summary}`, ...actions.map((a) => a.label));
      const action = actions.find((a) => a.label === choice);
      if (action?.open !== undefined) await vscode.window.showTextDocument(vscode.Uri.file(action.open));
      if (action?.report !== undefined) this.host.showReport(action.report);
    }
  }
}
