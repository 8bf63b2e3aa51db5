/**
 * code-server: the real VS Code workbench served over HTTP with a real Node extension
 * host, which is how the end-to-end suite runs the extension without a desktop VS Code.
 * Every state it keeps (user data, extensions, its own config) lives under one folder, so
 * a run never touches the home folder and leaves nothing behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

/**
 * The settings a test window starts with: no welcome page, trust prompt, telemetry or
 * updates; the dark theme, no sticky scroll and no minimap, for the screenshots.
 */
const USER_SETTINGS = {
  'workbench.colorTheme': 'Default Dark Modern',
  'editor.stickyScroll.enabled': false,
  'editor.minimap.enabled': false,
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.tips.enabled': false,
  'chat.commandCenter.enabled': false,
};

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export function cacheDir(): string {
  return process.env['PRUNELENS_E2E_CACHE'] ?? path.join(os.homedir(), '.cache', 'prunelens-e2e');
}

/** The entry script test/e2e/setup.sh installed; fails with what to run when it is missing. */
export function codeServerEntry(): string {
  const entry = path.join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${cacheDir()}: run test/e2e/setup.sh`);
  return entry;
}

export interface CodeServerDirs {
  readonly userData: string;
  readonly extensions: string;
  /** XDG config, data and cache homes, so code-server writes nothing into the home folder. */
  readonly xdg: string;
}

export function makeDirs(root: string): CodeServerDirs {
  const dirs = { userData: path.join(root, 'user-data'), extensions: path.join(root, 'extensions'), xdg: path.join(root, 'xdg') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  return dirs;
}

function env(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CONFIG_HOME: dirs.xdg, XDG_DATA_HOME: dirs.xdg, XDG_CACHE_HOME: dirs.xdg };
}

/** Installs a .vsix as a user would; returns the folder the extension was unpacked into. */
export function installExtension(dirs: CodeServerDirs, vsix: string, id: string): string {
  const args = [codeServerEntry(), '--install-extension', vsix, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData];
  execFileSync(process.execPath, args, { env: env(dirs), stdio: 'pipe' });
  const folder = fs.readdirSync(dirs.extensions).find((f) => f.toLowerCase().startsWith(`${id.toLowerCase()}-`));
  if (folder === undefined) throw new Error(`${path.basename(vsix)} did not install into ${dirs.extensions}`);
  return path.join(dirs.extensions, folder);
}

export interface CodeServer {
  /** The workbench's address, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  /** host:port, the remote authority the workbench uses in vscode-remote:// URIs. */
  readonly authority: string;
  readonly log: string[];
  stop(): Promise<void>;
}

export function startCodeServer(dirs: CodeServerDirs, folder: string): Promise<CodeServer> {
  const args = [
    codeServerEntry(),
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    folder,
  ];
  // Its own process group, so that stopping it also stops the extension hosts and the
  // language servers and workers they started.
  const child = spawn(process.execPath, args, { env: env(dirs), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`code-server did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    timer.unref();
    const fail = (err: Error): void => {
      clearTimeout(timer);
      stopGroup(child, exited);
      reject(new Error(`${err.message}\n${log.join('').slice(-3000)}`));
    };
    const onExit = (code: number | null): void => fail(new Error(`code-server exited with ${code} before listening`));
    const onData = (d: Buffer): void => {
      log.push(d.toString());
      const listening = /HTTP server listening on (http:\/\/([\d.]+:\d+)\/)/.exec(log.join(''));
      if (listening === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      child.stdout?.on('data', (more: Buffer) => log.push(more.toString()));
      resolve({ url: listening[1] as string, authority: listening[2] as string, log, stop: () => stopGroup(child, exited) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    child.once('exit', onExit);
  });
}

/** SIGTERM to the whole group; SIGKILL if it is still there after STOP_TIMEOUT_MS. */
async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(-pid, s);
    } catch {
      // The group is gone already.
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }
  // Processes that outlived code-server in its group (a worker finishing a point).
  signal('SIGKILL');
}
