/**
 * The PyTorch reference of the training benchmark: bench/torchTrain.py in a child process
 * that stays up, so that its runs can alternate with PruneLens's on a noisy machine.
 *
 * Python is looked for as $PYTHON, then `python3` on the PATH, then /usr/bin/python3 (a
 * Python from pyenv or a virtual environment may shadow Debian's, which is where
 * `python3-torch` installs). Without an importable torch the reference is skipped, and
 * `startTorchReference` says why.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { InMemoryDataset } from '../src/core/data/dataset';

export type TorchLayout = 'nchw' | 'nhwc';

export interface TorchRun {
  readonly seconds: number;
  readonly cpu: number;
  readonly testTop1?: number;
}

export interface TorchReference {
  readonly version: string;
  readonly threads: number;
  readonly python: string;
  /** Trains a fresh network on the first `images` training images, no BN re-estimation. */
  steps(images: number, seed: number, layout: TorchLayout): Promise<TorchRun>;
  /** The demo's training: one epoch with the cosine schedule and BN re-estimation; test top-1. */
  epoch(seed: number, layout: TorchLayout): Promise<TorchRun>;
  close(): void;
}

/** The first Python that imports torch, or undefined. */
function findPython(): string | undefined {
  const candidates = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0);
}

function writeSplit(dir: string, name: string, data: InMemoryDataset): void {
  if (data.labels === undefined) throw new Error(`the ${name} split has no labels`);
  fs.writeFileSync(path.join(dir, `${name}.f32`), new Uint8Array(data.images.buffer, data.images.byteOffset, data.images.byteLength));
  fs.writeFileSync(path.join(dir, `${name}.i32`), new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
}

/**
 * Starts the reference on the given splits, or returns the reason it cannot run. `threads`
 * sets torch's intra-op threads; undefined keeps its default.
 */
export async function startTorchReference(train: InMemoryDataset, test: InMemoryDataset, threads?: number): Promise<TorchReference | string> {
  const python = findPython();
  if (python === undefined) return 'no python3 that imports torch ($PYTHON, python3, /usr/bin/python3); on Debian: apt-get install python3-torch';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-torch-'));
  writeSplit(dir, 'train', train);
  writeSplit(dir, 'test', test);
  const child = spawn(python, [path.join(__dirname, 'torchTrain.py'), dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...(threads !== undefined ? { PRUNELENS_TORCH_THREADS: String(threads) } : {}) },
  });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  child.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`bench/torchTrain.py exited with code ${code}`));
      child.once('exit', onExit);
      waiting.push((line) => {
        child.off('exit', onExit);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
    });
  const ask = async (command: string): Promise<TorchRun> => {
    const reply = next();
    child.stdin.write(`${command}\n`);
    const r = await reply;
    if (typeof r['error'] === 'string') throw new Error(`bench/torchTrain.py: ${r['error']}`);
    return { seconds: Number(r['seconds']), cpu: Number(r['cpu']), ...(r['testTop1'] !== undefined ? { testTop1: Number(r['testTop1']) } : {}) };
  };
  const ready = await next();
  return {
    version: String(ready['torch']),
    threads: Number(ready['threads']),
    python,
    steps: (images, seed, layout) => ask(`steps ${images} ${seed} ${layout}`),
    epoch: (seed, layout) => ask(`epoch ${seed} ${layout}`),
    close: () => child.stdin.end(),
  };
}
