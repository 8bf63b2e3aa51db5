/**
 * The extension's state, with two lifetimes: what lives as long as the extension (config,
 * output, explorer, report panels, status bar, job tracker) and what lives for one run of
 * the language client (the client and its notification handlers), so that a server
 * restart replaces only the latter.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { JobStatusNotification, PointNotificationType, ResultsChangedNotification, type JobInfo } from '../shared/protocol';
import { createClient } from './client';
import { Config } from './config';
import { SensitivityExplorer, type ExplorerNode } from './explorer';
import { JobTracker } from './jobs';
import { ReportPanels } from './reportPanel';
import { StatusBar } from './statusBar';
import { counted } from '../shared/format';

export class Ctx {
  readonly config = new Config();
  readonly output = vscode.window.createOutputChannel('PruneLens');
  readonly jobs: JobTracker;
  readonly explorer: SensitivityExplorer;
  private readonly explorerView: vscode.TreeView<ExplorerNode>;
  readonly reports: ReportPanels;
  readonly statusBar = new StatusBar();
  private clientRun: { client: LanguageClient; subscriptions: vscode.Disposable[] } | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    this.jobs = new JobTracker(() => this.client, { log: (line) => this.log(line), showReport: (file) => this.reports.show(file) });
    this.explorer = new SensitivityExplorer(() => this.client, this.jobs, this.config);
    this.explorerView = vscode.window.createTreeView('prunelens.explorer', { treeDataProvider: this.explorer });
    this.explorer.attach(this.explorerView);
    // Registers the panel serializer, which must happen during activation for panels to be restored.
    this.reports = new ReportPanels(this);
    context.subscriptions.push(
      this.reports,
      this.output,
      this.jobs,
      this.explorer,
      this.statusBar,
      this.explorerView,
      this.jobs.onDidChange(() => this.statusBar.setJobs(this.jobs.running())),
      vscode.workspace.onDidChangeConfiguration((e) => void this.configurationChanged(e)),
    );
  }

  get client(): LanguageClient | undefined {
    return this.clientRun?.client;
  }

  /** A line in the PruneLens output, with the time: job starts and outcomes, server restarts. */
  log(line: string): void {
    this.output.appendLine(`[${new Date().toLocaleTimeString()}] ${line}`);
  }

  /** Starts the language server; resolves with the jobs it runs (resumed ones, after a restart), or undefined when it did not start. */
  async start(): Promise<JobInfo[] | undefined> {
    const client = createClient(this.context, this.config, this.output);
    const subscriptions = [
      client.onDidChangeState((e) => this.statusBar.setServer(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped')),
      client.onNotification(JobStatusNotification, (info) => this.jobs.update(info)),
      client.onNotification(PointNotificationType, (p) => {
        this.explorer.fileChanged(p.uri, false);
        this.reports.point(p);
      }),
      client.onNotification(ResultsChangedNotification, (p) => {
        this.explorer.fileChanged(p.uri, p.deleted);
        this.reports.resultsChanged(p.uri);
      }),
    ];
    this.clientRun = { client, subscriptions };
    this.statusBar.setServer('starting');
    try {
      await client.start();
    } catch (err) {
      this.statusBar.setServer('stopped');
      this.log(`the server did not start: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`PruneLens: the language server did not start: ${(err as Error).message}`);
      return undefined;
    }
    const running = await this.jobs.reload();
    this.explorer.refresh();
    this.reports.reloadAll();
    return running;
  }

  async stop(): Promise<void> {
    const run = this.clientRun;
    this.clientRun = undefined;
    if (run === undefined) return;
    for (const s of run.subscriptions) s.dispose();
    await run.client.stop().catch(() => undefined);
    this.statusBar.setServer('stopped');
  }

  /** Restart Server: stops and starts the server in a progress notification, then says how it went. */
  async restart(): Promise<void> {
    this.log('restarting the server');
    const running = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'PruneLens: restarting the server...' }, async () => {
      await this.stop();
      return this.start();
    });
    if (running === undefined) return;
    const resumed = running.length === 0 ? '' : `; ${counted(running.length, 'running job')} resumed`;
    this.log(`the server restarted${resumed}`);
    void vscode.window.showInformationMessage(`PruneLens: the server restarted${resumed}.`);
  }

  private async configurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (e.affectsConfiguration('prunelens.lossThreshold')) {
      this.explorer.refresh();
      // A report the user has not moved the threshold of starts from the setting.
      this.reports.reloadAll();
    }
    if (!this.config.needsRestart(e)) return;
    const choice = await vscode.window.showInformationMessage('PruneLens: this setting takes effect when the server restarts.', 'Restart Server');
    if (choice === 'Restart Server') await this.restart();
  }
}
