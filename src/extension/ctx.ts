/**
 * The extension's state, with two lifetimes: what lives as long as the extension (config,
 * output, explorer, report panels, status bar, job tracker) and what lives for one run of
 * the language client (the client and its notification handlers), so that a server
 * restart replaces only the latter.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { JobStatusNotification, PointNotificationType, ResultsChangedNotification } from '../shared/protocol';
import { createClient } from './client';
import { Config } from './config';
import { SensitivityExplorer } from './explorer';
import { JobTracker } from './jobs';
import { ReportPanels } from './reportPanel';
import { StatusBar } from './statusBar';

export class Ctx {
  readonly config = new Config();
  readonly output = vscode.window.createOutputChannel('PruneLens');
  readonly jobs: JobTracker;
  readonly explorer: SensitivityExplorer;
  readonly reports: ReportPanels;
  readonly statusBar = new StatusBar();
  private clientRun: { client: LanguageClient; subscriptions: vscode.Disposable[] } | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    this.jobs = new JobTracker(() => this.client);
    this.explorer = new SensitivityExplorer(() => this.client, this.jobs, this.config);
    // Registers the panel serializer, which must happen during activation for panels to be restored.
    this.reports = new ReportPanels(this);
    context.subscriptions.push(
      this.reports,
      this.output,
      this.jobs,
      this.explorer,
      this.statusBar,
      vscode.window.registerTreeDataProvider('prunelens.explorer', this.explorer),
      this.jobs.onDidChange(() => this.statusBar.setJobs(this.jobs.running())),
      vscode.workspace.onDidChangeConfiguration((e) => void this.configurationChanged(e)),
    );
  }

  get client(): LanguageClient | undefined {
    return this.clientRun?.client;
  }

  async start(): Promise<void> {
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
      void vscode.window.showErrorMessage(`PruneLens: the language server did not start: ${(err as Error).message}`);
      return;
    }
    await this.jobs.reload();
    this.explorer.refresh();
    this.reports.reloadAll();
  }

  async stop(): Promise<void> {
    const run = this.clientRun;
    this.clientRun = undefined;
    if (run === undefined) return;
    for (const s of run.subscriptions) s.dispose();
    await run.client.stop().catch(() => undefined);
    this.statusBar.setServer('stopped');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
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
