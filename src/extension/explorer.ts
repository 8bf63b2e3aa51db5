/**
 * The Sensitivity Explorer: results files in the workspace -> channel groups (described by
 * the ratio the loss budget picks, coloured by what that makes of the group) -> their
 * points and coupled members. Running jobs are shown with their progress: on their results
 * file, or at the top for jobs that have none. It refreshes as the server reports points
 * and file changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ListResultsFilesRequest, ReadResultsRequest, type JobInfo, type ResultsFileEntry, type ShardLine, type ShardSetSummary } from '../shared/protocol';
import { describeEstimate, formatLoss, formatPercent, formatRatio } from '../shared/format';
import type { SensitivityResults } from '../shared/results';
import type { Config } from './config';
import { budgetLevel, groupRows, shardLineText, shardSetText, type BudgetLevel, type GroupRow, type PointRow } from './explorerModel';
import type { JobTracker } from './jobs';

export type ExplorerNode =
  | { readonly kind: 'job'; readonly job: JobInfo }
  | { readonly kind: 'file'; readonly entry: ResultsFileEntry }
  | { readonly kind: 'group'; readonly file: ResultsFileEntry; readonly row: GroupRow }
  | { readonly kind: 'member'; readonly file: ResultsFileEntry; readonly row: GroupRow; readonly param: string }
  | { readonly kind: 'point'; readonly row: GroupRow; readonly point: PointRow }
  | { readonly kind: 'shards'; readonly file: ResultsFileEntry; readonly summary: ShardSetSummary }
  | { readonly kind: 'shard'; readonly line: ShardLine };

const SHARD_ICON: Readonly<Record<ShardLine['state'], string>> = {
  done: 'pass',
  running: 'sync~spin',
  incomplete: 'warning',
  missing: 'circle-slash',
};

const LEVEL_COLOUR: Readonly<Record<BudgetLevel, string | undefined>> = {
  unmeasured: undefined,
  prunes: 'charts.green',
  'prunes-little': 'charts.yellow',
  keeps: 'charts.red',
};

const LEVEL_WORDS: Readonly<Record<BudgetLevel, string>> = {
  unmeasured: 'no points yet',
  prunes: 'the budget allows at least half the largest ratio scanned',
  'prunes-little': 'the budget allows less than half the largest ratio scanned',
  keeps: 'every ratio measured costs more than the budget',
};

type ReadReply = { results?: SensitivityResults; error?: string; shards?: ShardSetSummary };

/** Waits this long after a point before refreshing, so a fast scan redraws a few times a second at most. */
const REFRESH_DELAY_MS = 250;

function progressText(job: JobInfo): string {
  return job.total > 0 ? `${job.done}/${job.total} (${Math.round((100 * job.done) / job.total)}%)` : (job.stage ?? 'starting');
}

export class SensitivityExplorer implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private files: ResultsFileEntry[] | undefined;
  private readonly results = new Map<string, Promise<ReadReply>>();
  private timer: NodeJS.Timeout | undefined;
  private view: vscode.TreeView<ExplorerNode> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly jobs: JobTracker,
    private readonly config: Config,
  ) {
    this.subscriptions.push(jobs.onDidChange(() => this.refreshSoon()));
  }

  /** The view this provider fills: its message line names the budget the ratios are chosen at. */
  attach(view: vscode.TreeView<ExplorerNode>): void {
    this.view = view;
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
    // A split scan's row describes the set, which changes with each shard file.
    const listed = this.files?.find((f) => f.uri === uri);
    if (deleted || listed === undefined || listed.shards !== undefined || listed.exists === false) this.files = undefined;
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
      // Said once above the tree, so that each group's row stays short enough for the side bar.
      if (this.view !== undefined) this.view.message = files.length > 0 ? `Ratios at a loss budget of ${formatPercent(this.config.lossThreshold)}` : '';
      // A job shows on its results file once the file exists (after its first point), at the top until then.
      const jobs = this.jobs.running().filter((j) => j.file === undefined || !files.some((f) => path.resolve(f.path) === path.resolve(j.file as string)));
      return [...jobs.map((job) => ({ kind: 'job' as const, job })), ...files.map((entry) => ({ kind: 'file' as const, entry }))];
    }
    if (node.kind === 'file') {
      const { results, shards } = await this.read(client, node.entry.uri);
      const groups = results ? groupRows(results, this.config.lossThreshold).map((row): ExplorerNode => ({ kind: 'group', file: node.entry, row })) : [];
      return shards !== undefined ? [{ kind: 'shards', file: node.entry, summary: shards }, ...groups] : groups;
    }
    if (node.kind === 'shards') return node.summary.shards.map((line) => ({ kind: 'shard' as const, line }));
    if (node.kind === 'group') {
      const points = node.row.points.map((point) => ({ kind: 'point' as const, row: node.row, point }));
      const members = node.row.params.slice(1).map((param) => ({ kind: 'member' as const, file: node.file, row: node.row, param }));
      return [...points, ...members];
    }
    return [];
  }

  private read(client: LanguageClient, uri: string): Promise<ReadReply> {
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
      case 'group':
        return this.groupItem(node.row);
      case 'member':
        return this.memberItem(node.row, node.param);
      case 'point':
        return this.pointItem(node.point);
      case 'shards':
        return this.shardsItem(node.summary);
      case 'shard':
        return this.shardItem(node.line);
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
    const shardsRunning = entry.shards?.shards.some((s) => s.state === 'running') ?? false;
    const split = entry.shards !== undefined && !entry.shards.complete ? ' · split scan' : '';
    item.description = job ? `${entry.modelName ?? ''} · running ${progressText(job)}`.replace(/^ · /, '') : `${entry.modelName ?? entry.error ?? ''}${split}`;
    item.tooltip = [entry.error ?? entry.path, ...(entry.shards !== undefined ? [`shards: ${shardSetText(entry.shards)}`] : []), ...(entry.exists === false ? ['not merged yet: the points shown come from its shard files'] : [])].join('\n');
    item.iconPath = new vscode.ThemeIcon(job || shardsRunning ? 'sync~spin' : entry.error ? 'warning' : 'graph');
    item.contextValue = job ? 'prunelens.resultsFile.running' : 'prunelens.resultsFile';
    // A split scan's results file may not exist yet (its merge writes it): nothing to open.
    if (entry.exists !== false) item.command = { title: 'Open', command: 'vscode.open', arguments: [item.resourceUri] };
    return item;
  }

  private shardsItem(summary: ShardSetSummary): vscode.TreeItem {
    const item = new vscode.TreeItem('Shards', vscode.TreeItemCollapsibleState.Collapsed);
    item.description = shardSetText(summary);
    item.tooltip = `Shards: ${shardSetText(summary)}\nPoints from every shard file are shown merged; merge the set (prunelens merge) to write the results file.`;
    item.iconPath = new vscode.ThemeIcon(summary.complete ? 'pass' : 'server-process');
    item.contextValue = 'prunelens.shards';
    return item;
  }

  private shardItem(line: ShardLine): vscode.TreeItem {
    const item = new vscode.TreeItem(`shard ${line.index}`, vscode.TreeItemCollapsibleState.None);
    item.description = shardLineText(line);
    item.iconPath = new vscode.ThemeIcon(SHARD_ICON[line.state]);
    item.contextValue = 'prunelens.shard';
    return item;
  }

  private groupItem(row: GroupRow): vscode.TreeItem {
    const expandable = row.points.length > 0 || row.params.length > 1;
    const item = new vscode.TreeItem(row.id, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const budget = formatPercent(this.config.lossThreshold);
    const lines = [`${row.id}: ${row.channels} channels${row.params.length > 1 ? `, pruned with ${row.params.slice(1).join(', ')}` : ''}`];
    if (!row.prunable) {
      item.iconPath = new vscode.ThemeIcon('circle-slash');
      item.description = 'not prunable';
      lines.push(`not prunable: ${row.reason ?? 'no reason recorded'}`);
    } else {
      const level = budgetLevel(row);
      const colour = LEVEL_COLOUR[level];
      item.iconPath = colour ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor(colour)) : new vscode.ThemeIcon('circle-outline');
      item.description = row.chosen !== undefined ? `ratio ${formatRatio(row.chosen)}` : 'no points yet';
      if (row.chosen !== undefined) lines.push(`ratio ${formatRatio(row.chosen)} at a loss budget of ${budget}: ${LEVEL_WORDS[level]}`);
    }
    item.tooltip = lines.join('\n');
    item.contextValue = 'prunelens.param';
    return item;
  }

  private memberItem(row: GroupRow, param: string): vscode.TreeItem {
    const item = new vscode.TreeItem(param, vscode.TreeItemCollapsibleState.None);
    item.description = 'coupled';
    item.tooltip = `${param} is pruned with ${row.id}: its channels follow the group's, so it shares the group's points.`;
    item.iconPath = new vscode.ThemeIcon('link');
    item.contextValue = 'prunelens.param';
    return item;
  }

  private pointItem(point: PointRow): vscode.TreeItem {
    const label = `${formatRatio(point.ratio)}: ${point.loss !== undefined ? formatLoss({ loss: point.loss, ...(point.quick ? { quick: point.quick } : {}) }) : 'skipped'}`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    if (point.skipped) item.tooltip = point.skipped;
    if (point.quick) item.tooltip = `${describeEstimate(point.quick)}; an exact scan replaces it`;
    item.contextValue = 'prunelens.point';
    return item;
  }
}
