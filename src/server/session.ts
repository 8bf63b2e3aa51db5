/**
 * Everything one server run owns, built at `initialize`: settings, the model index, the
 * job manager and the feature providers, and the glue between them (a job's point
 * invalidates the index, republishes diagnostics and notifies the client). server.ts
 * only routes LSP messages here.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CodeAction, CodeActionParams, Connection, DidChangeWatchedFilesParams, Hover, HoverParams, InitializeParams, TextDocuments, CancellationToken } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { JobStatusNotification, PointNotificationType, ResultsChangedNotification, type JobInfo, type RunEnv, type ServerInitOptions } from '../shared/protocol';
import { codeActions } from './codeActions';
import { DiagnosticsProvider } from './diagnostics';
import { documentKind } from './documentKind';
import { filePathOf, HoverProvider } from './hoverProvider';
import { JobJournal } from './jobJournal';
import { JobLocks } from './jobLock';
import { JobManager } from './jobManager';
import type { ModelFacts } from '../shared/modelFacts';
import { isModelFile, ModelIndex } from './modelIndex';
import { ProgressBridge } from './progressBridge';
import { SettingsStore } from './settings';
import { defaultWorkerLauncher } from '../core/jobs/workerLauncher';
import { startWorker, type WorkerLauncher } from '../core/jobs/workerProcess';
import { WorkspaceRequests } from './workspaceRequests';
import { findResultsFiles, looksLikeResults } from './workspaceScan';
import { isShardFile, mainFileOf, shardsOf } from '../core/sensitivity/shards';

/** The worker entry: as the client configured it, else beside the bundle (or the TypeScript entry under tsx). */
export function defaultLauncher(init: ServerInitOptions): WorkerLauncher {
  if (init.workerModule !== undefined) return { module: init.workerModule, execArgv: init.workerExecArgv ?? [] };
  return defaultWorkerLauncher(init.workerExecArgv);
}

/** Runs a describe worker for one model and resolves with its facts. */
function describeWith(launcher: WorkerLauncher, env: () => RunEnv, log: (line: string) => void): (model: string) => Promise<ModelFacts> {
  return async (model) => {
    const exit = await startWorker(launcher, { type: 'describe', spec: { kind: 'describe', model }, env: env() }, (r) => r.type === 'log' && log(r.text), log).exited;
    if (exit.final?.type === 'described') return exit.final.facts;
    throw new Error(exit.final?.type === 'failed' ? exit.final.message : `describing ${model} failed (worker exit ${exit.code ?? exit.signal})`);
  };
}

export class Session {
  readonly settings: SettingsStore;
  readonly index: ModelIndex;
  readonly jobs: JobManager;
  readonly hovers: HoverProvider;
  readonly requests: WorkspaceRequests;
  private readonly diagnostics: DiagnosticsProvider;
  private readonly roots: string[];

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    params: InitializeParams,
  ) {
    const init = (params.initializationOptions ?? {}) as ServerInitOptions;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.roots = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    const capabilities = params.capabilities;
    const launcher = defaultLauncher(init);
    const log = (line: string): void => connection.console.log(line);
    this.settings = new SettingsStore(connection, () => capabilities.workspace?.configuration === true);
    const env = (): RunEnv => ({
      providers: this.settings.current.evaluation.providers,
      background: true,
      ...(this.settings.current.tfjsNodePath ? { tfjsNodePath: this.settings.current.tfjsNodePath } : {}),
    });
    this.index = new ModelIndex(describeWith(launcher, env, log));
    const base = (): string => this.base();
    const progress = new ProgressBridge(connection, () => capabilities.window?.workDoneProgress === true, (id) => void this.jobs.cancel(id));
    this.jobs = new JobManager({
      launcher,
      journal: new JobJournal(init.stateDir === undefined ? undefined : path.join(init.stateDir, 'jobs')),
      locks: new JobLocks(),
      env,
      base,
      log,
      onJobStarted: (job) => progress.started(job.info()),
      onStatus: (info: JobInfo) => {
        progress.update(info);
        void connection.sendNotification(JobStatusNotification, info);
      },
      onPoint: (point) => void connection.sendNotification(PointNotificationType, point),
      onResultsChanged: (file) => void this.resultsChanged(file, true),
    });
    this.hovers = new HoverProvider(this.index, () => this.settings.current, base);
    this.diagnostics = new DiagnosticsProvider(this.index, base);
    this.requests = new WorkspaceRequests(this.index, base, () => this.settings.current.lossThreshold);
  }

  base(): string {
    return this.roots[0] ?? process.cwd();
  }

  /** After `initialized`: settings, the first workspace scan, diagnostics, then jobs to resume. */
  async start(): Promise<void> {
    await this.settings.refresh();
    this.index.setResultsFiles(await findResultsFiles(this.roots));
    for (const file of this.index.knownResultsFiles()) void this.notifyChanged(file, false);
    await this.jobs.resumePending();
  }

  hover(params: HoverParams, token: CancellationToken): Promise<Hover | null> {
    const doc = this.documents.get(params.textDocument.uri);
    return doc === undefined ? Promise.resolve(null) : this.hovers.hover(doc, params.position, token);
  }

  codeActions(params: CodeActionParams): CodeAction[] {
    return codeActions(params);
  }

  async configurationChanged(pushed: unknown): Promise<void> {
    await this.settings.refresh(pushed);
  }

  async filesChanged(params: DidChangeWatchedFilesParams): Promise<void> {
    let modelChanged = false;
    for (const change of params.changes) {
      const file = filePathOf(change.uri);
      // Installing packages touches thousands of JSON files, none of them ours.
      if (file === undefined || file.split(path.sep).includes('node_modules')) continue;
      this.index.forget(file);
      if (isModelFile(file)) modelChanged = true;
      if (file.endsWith('.json')) await this.resultsChanged(file, false);
    }
    if (modelChanged) for (const file of this.index.knownResultsFiles()) void this.publish(file);
  }

  /** Diagnostics for an open results file or model.json, from its current text. */
  async documentChanged(doc: TextDocument): Promise<void> {
    const file = filePathOf(doc.uri);
    if (file === undefined) return;
    const kind = documentKind(file, doc.getText());
    if (kind === 'results') await this.publish(file);
    if (kind === 'model') await this.connection.sendDiagnostics({ uri: doc.uri, diagnostics: await this.diagnostics.forModel(file, doc.uri, doc.getText()) });
  }

  async shutdown(): Promise<void> {
    await this.jobs.shutdown();
  }

  /** A JSON file changed: is it (still) a results file? Then tell the client and recheck it. */
  private async resultsChanged(file: string, fromJob: boolean): Promise<void> {
    if (isShardFile(file)) return this.shardChanged(mainFileOf(file));
    const known = this.index.knownResultsFiles().includes(path.resolve(file));
    const isResults = fromJob || (await looksLikeResults(file));
    if (!known && !isResults) return;
    this.index.noteResultsFile(file, isResults);
    if (!isResults) await this.connection.sendDiagnostics({ uri: pathToFileURL(file).toString(), diagnostics: [] });
    await this.notifyChanged(file, !isResults);
  }

  /**
   * A shard file changed: its results file changed for the editor (the explorer and the
   * report show it merged with its shards), and exists for it while it or a shard does.
   */
  private async shardChanged(main: string): Promise<void> {
    const present = (await shardsOf(main)).length > 0 || (await looksLikeResults(main));
    const known = this.index.knownResultsFiles().includes(path.resolve(main));
    if (!known && !present) return;
    this.index.noteResultsFile(main, present);
    await this.notifyChanged(main, !present);
  }

  private async notifyChanged(file: string, deleted: boolean): Promise<void> {
    await this.connection.sendNotification(ResultsChangedNotification, { uri: pathToFileURL(file).toString(), deleted });
    if (!deleted) await this.publish(file);
  }

  private async publish(file: string): Promise<void> {
    const uri = pathToFileURL(file).toString();
    const text = this.documents.get(uri)?.getText() ?? (await fsp.readFile(file, 'utf8').catch(() => undefined));
    if (text === undefined) return;
    await this.connection.sendDiagnostics({ uri, diagnostics: await this.diagnostics.forResults(file, uri, text) });
  }
}
