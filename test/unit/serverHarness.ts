/**
 * A language-server client for tests and benchmarks: starts src/server/server.ts as a child
 * process (Node IPC, as the extension's client does), speaks JSON-RPC to it over that real
 * stream, answers the requests a client must answer, and records every notification so a
 * test can wait for the one it needs (no sleeping). Also builds a workspace: a small
 * MobileNetV1 saved as model.json and a few MNIST test images as IDX files.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { WorkDoneProgress, type InitializeParams } from 'vscode-languageserver-protocol';
import { quietTfjs } from '../../src/core/backend';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import { saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import { DEFAULT_SERVER_SETTINGS, type ServerSettings } from '../../src/shared/protocol';

quietTfjs();

const SERVER = path.join(__dirname, '..', '..', 'src', 'server', 'server.ts');
const DEFAULT_WAIT_MS = 120_000;

export interface Recorded {
  readonly method: string;
  readonly params: unknown;
}

export interface TestServer {
  readonly connection: MessageConnection;
  readonly child: ChildProcess;
  readonly notifications: Recorded[];
  readonly logs: string[];
  /** Resolves with the params of the first notification (recorded or still to come) that matches. */
  waitFor<T>(method: string, match?: (params: T) => boolean, timeoutMs?: number): Promise<T>;
  openDocument(file: string, languageId?: string): Promise<{ uri: string; text: string }>;
  stop(): Promise<void>;
  /** Kills the server process at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  readonly workspace: string;
  readonly stateDir?: string;
  readonly settings?: Partial<ServerSettings>;
  /** The server entry to run: the TypeScript source by default, or a bundle such as dist/server.js. */
  readonly serverModule?: string;
}

export function uriOf(file: string): string {
  return pathToFileURL(file).toString();
}

export async function startServer(opts: ServerOptions): Promise<TestServer> {
  const bundled = opts.serverModule !== undefined;
  const child = fork(opts.serverModule ?? SERVER, ['--node-ipc'], { execArgv: bundled ? [] : ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: path.join(__dirname, '..', '..') });
  const logs: string[] = [];
  child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const notifications: Recorded[] = [];
  const waiters: { method: string; match: (p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  const record = (method: string, params: unknown): void => {
    notifications.push({ method, params });
    for (const w of [...waiters]) {
      if (w.method === method && w.match(params)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  };
  const settings = { ...DEFAULT_SERVER_SETTINGS, ...opts.settings };
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => settings));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
    connection.onProgress(WorkDoneProgress.type, p.token, (value) => record('$/progress', { token: p.token, value }));
    record('window/workDoneProgress/create', p);
    return null;
  });
  connection.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  connection.onNotification((method: string, params: unknown) => record(method, params));
  connection.listen();
  const init: InitializeParams = {
    processId: process.pid,
    rootUri: uriOf(opts.workspace),
    workspaceFolders: [{ uri: uriOf(opts.workspace), name: 'workspace' }],
    capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true } },
    initializationOptions: opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {},
  };
  await connection.sendRequest('initialize', init);
  await connection.sendNotification('initialized', {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    connection,
    child,
    notifications,
    logs,
    waitFor<T>(method: string, match: (params: T) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
      const seen = notifications.find((n) => n.method === method && match(n.params as T));
      if (seen) return Promise.resolve(seen.params as T);
      return new Promise<T>((resolve, reject) => {
        // A safety net so that a broken server fails the test with a message instead of hanging it.
        const timer = setTimeout(() => reject(new Error(`no ${method} notification matched within ${timeoutMs} ms; server log:\n${logs.join('\n').slice(-4000)}`)), timeoutMs);
        timer.unref();
        waiters.push({ method, match: match as (p: unknown) => boolean, resolve: (p) => (clearTimeout(timer), resolve(p as T)) });
      });
    },
    async openDocument(file: string, languageId = 'json') {
      const text = fs.readFileSync(file, 'utf8');
      const uri = uriOf(file);
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
      return { uri, text };
    },
    async stop() {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      connection.dispose();
      await exited;
    },
    async kill() {
      child.kill('SIGKILL');
      connection.dispose();
      await exited;
    },
  };
}

/** Writes `count` test images of the built-in MNIST (every class present) as an IDX folder. */
export function writeIdxDataset(dir: string, count: number): string {
  const test = loadBuiltinMnist('test');
  const step = Math.floor(test.count / count);
  const pixels = test.height * test.width;
  const images = Buffer.alloc(16 + count * pixels);
  const labels = Buffer.alloc(8 + count);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(test.height, 8);
  images.writeUInt32BE(test.width, 12);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) {
    const from = i * step;
    for (let p = 0; p < pixels; p++) images[16 + i * pixels + p] = Math.round((test.images[from * pixels + p] as number) * 255);
    labels[8 + i] = test.labels[from] as number;
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), images);
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labels);
  return dir;
}

export interface Workspace {
  readonly root: string;
  readonly model: string;
  readonly data: string;
}

/** A temp workspace with a MobileNetV1 (width x `width`) and `images` test images. */
export async function makeWorkspace(opts: { width?: number; images?: number; seed?: number } = {}): Promise<Workspace> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-ws-'));
  const model = buildModel('mobilenetV1', { widthMultiplier: opts.width ?? 0.25, seed: opts.seed ?? 1 });
  const saved = await saveModel(model, path.join(root, 'model'));
  model.dispose();
  return { root, model: saved.modelJson, data: writeIdxDataset(path.join(root, 'data'), opts.images ?? 64) };
}

/** Whether a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A workspace and a server on it for the tests of one file: made before them, stopped and
 * removed after. Read `.ws` and `.server` inside the tests.
 */
export function useServerWorkspace(opts: Omit<ServerOptions, 'workspace'> = {}): { readonly ws: Workspace; readonly server: TestServer } {
  let ws: Workspace | undefined;
  let server: TestServer | undefined;
  before(async () => {
    ws = await makeWorkspace();
    server = await startServer({ ...opts, workspace: ws.root });
  });
  after(async () => {
    await server?.stop();
    if (ws) fs.rmSync(ws.root, { recursive: true, force: true });
  });
  return {
    get ws(): Workspace {
      if (ws === undefined) throw new Error('the workspace is made before the tests');
      return ws;
    },
    get server(): TestServer {
      if (server === undefined) throw new Error('the server starts before the tests');
      return server;
    },
  };
}
