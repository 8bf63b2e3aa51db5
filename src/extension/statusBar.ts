/**
 * One status-bar item: the server's state, and while jobs run, the first one's progress
 * (a click offers to cancel it). When the server is down a click shows its output.
 */
import * as vscode from 'vscode';
import type { JobInfo } from '../shared/protocol';

export type ServerState = 'starting' | 'running' | 'stopped';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('prunelens.status', vscode.StatusBarAlignment.Left, 10);
  private server: ServerState = 'starting';
  private jobs: readonly JobInfo[] = [];

  constructor() {
    this.item.name = 'PruneLens';
    this.render();
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }

  setServer(state: ServerState): void {
    this.server = state;
    this.render();
  }

  setJobs(running: readonly JobInfo[]): void {
    this.jobs = running;
    this.render();
  }

  private render(): void {
    const job = this.jobs[0];
    this.item.backgroundColor = undefined;
    if (this.server === 'stopped') {
      this.item.text = '$(error) PruneLens';
      this.item.tooltip = 'The PruneLens server stopped. Click to see its output.';
      this.item.command = 'prunelens.showOutput';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (this.server === 'starting') {
      this.item.text = '$(sync~spin) PruneLens';
      this.item.tooltip = 'The PruneLens server is starting.';
      this.item.command = 'prunelens.showOutput';
    } else if (job !== undefined) {
      const percent = job.total > 0 ? ` ${Math.round((100 * job.done) / job.total)}%` : '';
      const more = this.jobs.length > 1 ? ` (+${this.jobs.length - 1})` : '';
      this.item.text = `$(sync~spin) PruneLens: ${job.title}${percent}${more}`;
      this.item.tooltip = `${job.title}: ${job.stage ?? 'running'} ${job.done}/${job.total}. Click to cancel a job.`;
      this.item.command = 'prunelens.cancelJob';
    } else {
      this.item.text = '$(pulse) PruneLens';
      this.item.tooltip = 'The PruneLens server is ready. No job is running.';
      this.item.command = 'prunelens.showOutput';
    }
  }
}
