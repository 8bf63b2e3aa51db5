/**
 * The language server's start-up time: from forking the bundled server to the answer of its
 * `initialize` request, the wait a user has before hovers and the explorer work. Runs each
 * bundle given (default: dist/server.js) alternately, so that a noisy machine affects them
 * alike, and prints the median and the spread.
 *
 *   npm run -s build && npx tsx bench/serverStartup.ts [BUNDLE ...] [--runs N]
 */
import { fork } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import type { InitializeParams } from 'vscode-languageserver-protocol';
import { median } from './stats';

async function startupMs(bundle: string): Promise<number> {
  const start = performance.now();
  const child = fork(bundle, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  const params: InitializeParams = { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: `file://${os.tmpdir()}`, name: 'tmp' }] };
  await connection.sendRequest('initialize', params);
  const ms = performance.now() - start;
  connection.dispose();
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return ms;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 15;
  const bundles = args.length > 0 ? args : [path.join(__dirname, '..', 'dist', 'server.js')];
  const times = new Map<string, number[]>(bundles.map((b) => [b, []]));
  for (let r = 0; r < runs; r++) for (const b of bundles) times.get(b)?.push(await startupMs(b));
  for (const [b, t] of times) {
    const sorted = [...t].sort((x, y) => x - y);
    console.log(`${b}: initialize answered after ${median(t).toFixed(0)} ms (median of ${runs}; min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)})`);
  }
}

void main();
