/**
 * `prunelens sensitivity --workers N`: the same scan split over N processes. Each child is
 * this CLI run with `--shard i/N` (so a worker here and a shard run by hand on another
 * machine are the same thing) and floor(cores / N) ONNX Runtime threads, so that workers x
 * threads never exceeds the cores. The parent is the only writer of the results file: it
 * folds the shard files into it when a worker finishes and at the end, then deletes them.
 * Shards left by an interrupted run are folded in before anything starts, so a rerun
 * resumes from the results file alone.
 */
import * as os from 'node:os';
import { foldShards, removeFiles, shardFile, shardsOf } from '../core/sensitivity/shards';
import { CancelledError, PruneLensError } from '../core/util/errors';
import type { ParsedArgs } from './args';
import type { CliContext } from './context';
import { spawnCli } from './selfSpawn';

/**
 * Workers for `--workers auto` (the default): one per 4 cores, so a single process below 8.
 * Measured on the MobileNetV1 benchmark scan (docs/sensitivity-engines.md): on 2 cores one
 * process with 2 threads was as fast as 2 workers and used half the memory; on 16 cores one
 * process with 16 threads took 35 s and 537 s of CPU (its threads spin between operators too
 * small to split 16 ways), 4 workers x 4 threads 23-26 s and 227 s.
 */
export function autoWorkers(cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 4));
}

/** Turns parsed options back into command-line words, leaving out `omit`. */
export function toArgv(args: ParsedArgs, omit: readonly string[]): string[] {
  const words = [...args.positionals];
  for (const [name, value] of Object.entries(args.values)) {
    if (omit.includes(name) || value === undefined || value === false) continue;
    if (value === true) words.push(`--${name}`);
    else for (const v of Array.isArray(value) ? value : [value]) words.push(`--${name}`, String(v));
  }
  return words;
}

function runChild(argv: string[], label: string, ctx: CliContext): { done: Promise<void>; kill(): void } {
  const child = spawnCli(argv);
  const relay = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) ctx.log(`${label} ${line}`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new PruneLensError(`worker ${label} stopped (${signal ?? `exit code ${code}`})`));
    });
  });
  return { done, kill: () => child.kill('SIGTERM') };
}

/**
 * Runs the scan in `workers` child processes. `cacheMb`, the fast engine's cache budget, is
 * for the whole scan: each worker gets its share, so memory does not grow with the workers.
 */
export async function runWorkers(args: ParsedArgs, workers: number, file: string, force: boolean, ctx: CliContext, cacheMb?: number): Promise<void> {
  const leftovers = await shardsOf(file);
  if (leftovers.length > 0) {
    ctx.log(`folding ${leftovers.length} shard file(s) left by an earlier run into ${file}`);
    await foldShards(file, leftovers, force);
    await removeFiles(leftovers);
  }
  const threads = Math.max(1, Math.floor(os.availableParallelism() / workers));
  ctx.log(`${workers} worker processes, ${threads} ONNX Runtime thread${threads === 1 ? '' : 's'} each`);
  const shards = Array.from({ length: workers }, (_, i) => shardFile(file, i + 1, workers));
  const base = toArgv(args, ['workers', 'threads', 'shard', 'cache-mb']);
  const cache = cacheMb === undefined ? [] : ['--cache-mb', String(cacheMb / workers)];
  const children = shards.map((_, i) =>
    runChild(['sensitivity', ...base, ...cache, '--shard', `${i + 1}/${workers}`, '--threads', String(threads)], `[${i + 1}/${workers}]`, ctx),
  );
  const stopAll = (): void => children.forEach((c) => c.kill());
  ctx.signal.addEventListener('abort', stopAll, { once: true });
  try {
    // Each finished worker's points reach the results file at once, not only at the end.
    const settled = await Promise.allSettled(children.map((c) => c.done.then(() => foldShards(file, shards, force))));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      stopAll();
      if (ctx.signal.aborted) throw new CancelledError();
      throw failed.reason;
    }
  } finally {
    ctx.signal.removeEventListener('abort', stopAll);
    await foldShards(file, shards, force);
    await removeFiles(shards);
  }
}
