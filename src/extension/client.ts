/**
 * The language client: how the server process is started (bundled dist/server.js over
 * Node IPC, with the configured runtime and Node options), which documents it serves, and
 * what it is told at initialisation (where to keep running jobs so they resume).
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
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
  return new LanguageClient('prunelens', 'PruneLens', serverOptions, clientOptions);
}
