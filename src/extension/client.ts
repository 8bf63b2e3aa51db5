/**
 * The language client: how the server process is started (bundled dist/server.js over
 * Node IPC, with the configured runtime and Node options), which documents it serves, and
 * what it is told at initialisation (where to keep running jobs so they resume, and that
 * it need not report jobs as work-done progress).
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions, type StaticFeature } from 'vscode-languageclient/node';
import type { ServerInitOptions } from '../shared/protocol';
import { SECTION, type Config } from './config';

export function createClient(context: vscode.ExtensionContext, config: Config, output: vscode.OutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const runtime = config.serverRuntime;
  const run = { module, transport: TransportKind.ipc, ...(runtime ? { runtime } : {}), options: { execArgv: [...config.serverExecArgv] } };
  const serverOptions: ServerOptions = { run, debug: run };
  const languages = ['json', 'jsonc', ...config.hoverLanguages];
  const initializationOptions: ServerInitOptions = { stateDir: (context.storageUri ?? context.globalStorageUri).fsPath };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [...new Set(languages)].map((language) => ({ scheme: 'file', language })),
    synchronize: {
      configurationSection: SECTION,
      // Results files and models change under the server's feet (the CLI, a job, git).
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{json,bin,onnx,data}'),
    },
    initializationOptions,
    outputChannel: output,
  };
  const client = new LanguageClient('prunelens', 'PruneLens', serverOptions, clientOptions);
  client.registerFeature(withoutWorkDoneProgress);
  return client;
}

/**
 * The extension shows every job itself (the status-bar item, the notification of a job the
 * user started, the explorer and the report), so it tells the server it cannot show LSP
 * work-done progress: the server then creates none, and a job has one progress item in the
 * status bar instead of two. Registered after the client's own progress feature, whose
 * capability it overrides.
 */
const withoutWorkDoneProgress: StaticFeature = {
  fillClientCapabilities: (capabilities) => {
    capabilities.window = { ...capabilities.window, workDoneProgress: false };
  },
  initialize: () => undefined,
  getState: () => ({ kind: 'static' }),
  clear: () => undefined,
};
