/**
 * What the fault suite needs: a tiny saved model and IDX data made on the fly, hashes of
 * files before and after (a refused command must leave every byte as it was), the CLI run
 * in this process or as a child process (for two processes at once, and for SIGKILL), and
 * waits on events (a line of output, a process's exit), never sleeps.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeIdx } from '../../src/core/data/idx';
import { saveModel } from '../../src/core/models/io';
import { seededRandom } from '../../src/core/data/batches';
import { processAlive } from '../unit/serverHarness';

export { runCli } from '../unit/cliHarness';

const REPO = path.join(__dirname, '..', '..');
const CLI = path.join(REPO, 'src', 'cli', 'main.ts');

export function tempDir(prefix = 'prunelens-fault-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** sha256 of a file's bytes, or 'absent'. */
export function hashOf(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return 'absent';
  }
}

/** Every file under `dir` (links not followed) -> its hash: what a refused command must leave alone. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = entry.isSymbolicLink() ? `link to ${fs.readlinkSync(full)}` : hashOf(full);
    }
  };
  walk(dir);
  return out;
}

/** 28x28x1 -> c1 (4) -> c2 (6) -> c3 (6) -> GAP -> fc (10): three channel groups, seeded. */
export async function saveTinyModel(dir: string, seed = 1): Promise<string> {
  await tf.setBackend('cpu');
  const init = (k: number): ReturnType<typeof tf.initializers.glorotNormal> => tf.initializers.glorotNormal({ seed: seed + k });
  const input = tf.input({ shape: [28, 28, 1], name: 'image' });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(0) }).apply(input);
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 6, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(1) }).apply(c1);
  const c3 = tf.layers.conv2d({ name: 'c3', filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }).apply(c2);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(c3);
  const logits = tf.layers.dense({ name: 'fc', units: 10, kernelInitializer: init(3) }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ name: 'tiny', inputs: input, outputs: logits });
  const saved = await saveModel(model, dir);
  model.dispose();
  return saved.modelJson;
}

/** An IDX test split of `count` seeded random `side` x `side` images with labels 0..9. */
export function writeIdx(dir: string, side = 28, count = 48, seed = 7): string {
  fs.mkdirSync(dir, { recursive: true });
  const rand = seededRandom(seed);
  const pixels = Uint8Array.from({ length: count * side * side }, () => Math.floor(rand() * 256));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdx([count, side, side], pixels));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([count], Uint8Array.from({ length: count }, (_, i) => i % 10)));
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([count, side, side], pixels));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([count], Uint8Array.from({ length: count }, (_, i) => i % 10)));
  return dir;
}

/** A CLI started as its own process, with its output gathered and lines to wait for. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly out: () => string;
  /** Resolves once stdout + stderr match `pattern` (checked on every chunk). */
  waitFor(pattern: RegExp): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Limit on any wait, so that a broken case fails with what it printed instead of hanging. */
const WAIT_LIMIT_MS = 60_000;

export function startCli(...args: string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { pattern: RegExp; resolve: (s: string) => void }[] = [];
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(text);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    out: () => text,
    exited,
    waitFor(pattern) {
      const m = pattern.exec(text);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output matched ${pattern} within ${WAIT_LIMIT_MS} ms; output:\n${text}`)), WAIT_LIMIT_MS);
        timer.unref();
        waiters.push({ pattern, resolve: (s) => (clearTimeout(timer), resolve(s)) });
        void exited.then(() => setImmediate(() => reject(new Error(`exited before output matched ${pattern}; output:\n${text}`))));
      });
    },
  };
}

/** The pids of a process's children (Linux /proc). */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Resolves once none of `pids` is alive. Processes that are not our children cannot be
 * waited on, so they are looked at every 50 ms, up to a limit that fails the test.
 */
export async function gone(pids: readonly number[], limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (pids.some(processAlive)) {
    if (Date.now() - start > limitMs) throw new Error(`still running after ${limitMs} ms: ${pids.filter(processAlive).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A pid no process has now: one that has just exited. */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}
