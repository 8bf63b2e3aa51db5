/**
 * The Sensitivity Explorer: results files in the workspace -> parameters (coloured by
 * their worst loss, described by the ratio the loss threshold picks) -> points. Running
 * jobs are shown with their progress: on their results file, or at the top for jobs that
 * have none. It refreshes as the server reports points and file changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ListResultsFilesRequest, ReadResultsRequest, type JobInfo, type ResultsFileEntry } from '../shared/protocol';
import type { SensitivityResults } from '../shared/results';
import type { Config } from './config';
import { formatLoss, lossLevel, paramRows, type LossLevel, type ParamRow, type PointRow } from './explorerModel';
import type { JobTracker } from './jobs';

export type ExplorerNode =
  | { readonly kind: 'job'; readonly job: JobInfo }
  | { readonly kind: 'file'; readonly entry: ResultsFileEntry }
  | { readonly kind: 'param'; readonly file: ResultsFileEntry; readonly row: ParamRow }
  | { readonly kind: 'point'; readonly row: ParamRow; readonly point: PointRow };

const LEVEL_COLOUR: Readonly<Record<LossLevel, string | undefined>> = {
  unmeasured: undefined,
  fine: 'charts.green',
  moderate: 'charts.yellow',
  high: 'charts.orange',
  severe: 'charts.red',
};

/** Waits this long after a point before refreshing, so a fast scan redraws a few times a second at most. */
const REFRESH_DELAY_MS = 250;

function progressText(job: JobInfo): string {
  return job.total > 0 ? `${job.done}/${job.total} (${Math.round((100 * job.done) / job.total)}%)` : (job.stage ?? 'starting');
}

export class SensitivityExplorer implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private files: ResultsFileEntry[] | undefined;
  private readonly results = new Map<string, Promise<{ results?: SensitivityResults; error?: string }>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly jobs: JobTracker,
    private readonly config: Config,
  ) {
    this.subscriptions.push(jobs.onDidChange(() => this.refreshSoon()));
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
    if (this.timer) clearTimeout(this.timer);
  }

  /** Everything again: the list of files and every file's results. */
  refresh(): void {
    this.files = undefined;
    this.results.clear();
    this.changed.fire(undefined);
  }

  /** One file changed (a point was written, or it appeared or went away). */
  fileChanged(uri: string, deleted: boolean): void {
    this.results.delete(uri);
    if (deleted || !this.files?.some((f) => f.uri === uri)) this.files = undefined;
    this.refreshSoon();
  }

  private refreshSoon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, REFRESH_DELAY_MS);
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    const client = this.client();
    if (client === undefined) return [];
    if (node === undefined) {
      this.files ??= await client.sendRequest(ListResultsFilesRequest, {}).then(
        (r) => r.files.slice(),
        () => undefined,
      );
      const files = this.files ?? [];
      // A job shows on its results file once the file exists (after its first point), at the top until then.
      const jobs = this.jobs.running().filter((j) => j.file === undefined || !files.some((f) => path.resolve(f.path) === path.resolve(j.file as string)));
      return [...jobs.map((job) => ({ kind: 'job' as const, job })), ...files.map((entry) => ({ kind: 'file' as const, entry }))];
    }
    if (node.kind === 'file') {
      const { results } = await this.read(client, node.entry.uri);
      return results ? paramRows(results, this.config.lossThreshold).map((row) => ({ kind: 'param' as const, file: node.entry, row })) : [];
    }
    if (node.kind === 'param') return node.row.points.map((point) => ({ kind: 'point' as const, row: node.row, point }));
    return [];
  }

  private read(client: LanguageClient, uri: string): Promise<{ results?: SensitivityResults; error?: string }> {
    let pending = this.results.get(uri);
    if (pending === undefined) {
      pending = client.sendRequest(ReadResultsRequest, { uri }).then(
        (r) => ({ ...r }),
        (err: Error) => {
          // Not cached: the server may be restarting, and the next expansion should ask again.
          this.results.delete(uri);
          return { error: err.message };
        },
      );
      this.results.set(uri, pending);
    }
    return pending;
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'job':
        return this.jobItem(node.job);
      case 'file':
        return this.fileItem(node.entry);
      case 'param':
        return this.paramItem(node.row);
      case 'point':
        return this.pointItem(node.point);
    }
  }

  private jobItem(job: JobInfo): vscode.TreeItem {
    const item = new vscode.TreeItem(job.title, vscode.TreeItemCollapsibleState.None);
    item.description = progressText(job);
    item.iconPath = new vscode.ThemeIcon('sync~spin');
    item.contextValue = 'prunelens.job';
    return item;
  }

  private fileItem(entry: ResultsFileEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(path.basename(entry.path), vscode.TreeItemCollapsibleState.Collapsed);
    const job = this.jobs.runningFor(entry.path);
    item.id = entry.uri;
    item.resourceUri = vscode.Uri.parse(entry.uri);
    item.description = job ? `${entry.modelName ?? ''} · running ${progressText(job)}`.replace(/^ · /, '') : (entry.modelName ?? entry.error ?? '');
    item.tooltip = entry.error ?? entry.path;
    item.iconPath = new vscode.ThemeIcon(job ? 'sync~spin' : entry.error ? 'warning' : 'graph');
    item.contextValue = job ? 'prunelens.resultsFile.running' : 'prunelens.resultsFile';
    item.command = { title: 'Open', command: 'vscode.open', arguments: [item.resourceUri] };
    return item;
  }

  private paramItem(row: ParamRow): vscode.TreeItem {
    const item = new vscode.TreeItem(row.param, row.points.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const threshold = this.config.lossThreshold;
    if (!row.prunable) {
      item.iconPath = new vscode.ThemeIcon('circle-slash');
      item.description = 'not prunable';
    } else {
      const colour = LEVEL_COLOUR[lossLevel(row.worstLoss, threshold)];
      item.iconPath = colour ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor(colour)) : new vscode.ThemeIcon('circle-outline');
      item.description = row.chosen !== undefined ? `ratio ${row.chosen.toFixed(2)} at ≤ ${formatLoss(threshold)}` : 'no points yet';
    }
    const lines = [`group ${row.group} (${row.channels} channels)`];
    if (row.worstLoss !== undefined) lines.push(`worst loss ${formatLoss(row.worstLoss)}`);
    if (row.reason) lines.push(`not prunable: ${row.reason}`);
    item.tooltip = lines.join('\n');
    item.contextValue = 'prunelens.param';
    return item;
  }

  private pointItem(point: PointRow): vscode.TreeItem {
    const label = point.loss !== undefined ? `${point.ratio}: ${formatLoss(point.loss)}` : `${point.ratio}: skipped`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    if (point.skipped) item.tooltip = point.skipped;
    item.contextValue = 'prunelens.point';
    return item;
  }
}
