/**
 * A sensitivity scan split over worker processes, for the language server and for
 * `prunelens sensitivity --workers N` alike. Each worker measures one shard of the channel
 * groups into its own shard file (two processes rewriting one file would lose each other's
 * points), with cores / N ONNX Runtime threads and 1/N of the cache budget. This process is
 * the only writer of the results file: it folds the shards into it as points arrive, once a
 * worker ends and once more at the end, then deletes them, so the results file is always the
 * whole truth and a resumed scan starts from it alone. Shards left by an interrupted run are
 * folded in before anything starts. Light: it never loads TF.js (the language server runs it).
 */
import * as os from 'node:os';
import type { JobResult, RunEnv, SensitivityJobSpec } from '../../shared/jobs';
import { readResultsIfExists } from '../sensitivity/resultsFile';
import { foldShards, removeFiles, shardFile, shardsOf } from '../sensitivity/shards';
import { Coalesced } from '../util/coalesced';
import { CancelledError } from '../util/errors';
import { scanResult } from './results';
import { JobCancelledError } from './workerRun';
import { counted } from '../../shared/format';

/** How the caller runs one shard's job in a worker process. */
export interface ShardRunner {
  /** Runs the job to its end; calls `pointWritten` after each point the worker writes. */
  run(spec: SensitivityJobSpec, env: RunEnv, pointWritten: () => void): Promise<JobResult>;
  /** Stops every shard still running (one failed, or the scan was cancelled). */
  stopAll(): Promise<void>;
}

export interface ShardedScanHooks {
  readonly log: (line: string) => void;
  /** The results file changed (a fold wrote it). */
  readonly onFolded?: (file: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Workers for `--workers auto` (the CLI's default): one per 4 cores, so a single process
 * below 8. Measured on the MobileNetV1 benchmark scan (docs/sensitivity-engines.md): on 2
 * cores one process with 2 threads was as fast as 2 workers and used half the memory; on 16
 * cores one process with 16 threads took 35 s and 537 s of CPU (its threads spin between
 * operators too small to split 16 ways), 4 workers x 4 threads 23-26 s and 227 s.
 */
export function autoWorkers(cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 4));
}

/** Shards a failed or interrupted run left beside `file`, folded into it and removed. */
export async function foldLeftovers(file: string, force: boolean, hooks: ShardedScanHooks): Promise<void> {
  const leftovers = await shardsOf(file);
  if (leftovers.length === 0) return;
  hooks.log(`folding ${leftovers.length} shard file(s) left by an earlier run into ${file}`);
  if (await foldShards(file, leftovers, force)) hooks.onFolded?.(file);
  await removeFiles(leftovers);
}

export async function runShardedScan(spec: SensitivityJobSpec, count: number, env: RunEnv, runner: ShardRunner, hooks: ShardedScanHooks): Promise<JobResult> {
  const force = spec.force ?? false;
  await foldLeftovers(spec.file, force, hooks);
  const threads = Math.max(1, Math.floor(os.availableParallelism() / count));
  hooks.log(`${count} worker processes, ${counted(threads, 'ONNX Runtime thread')} each`);
  const files = Array.from({ length: count }, (_, i) => shardFile(spec.file, i + 1, count));
  const fold = async (): Promise<void> => {
    if (await foldShards(spec.file, files, force)) hooks.onFolded?.(spec.file);
  };
  const folder = new Coalesced(fold, (err) => hooks.log(`could not fold shards into ${spec.file}: ${(err as Error).message}`));
  const shardEnv: RunEnv = { ...env, threads, background: true };
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await runner.stopAll();
  };
  const onAbort = (): void => void stopAll();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const runs = files.map((_, i) => {
      const shardSpec: SensitivityJobSpec = {
        ...spec,
        workers: 1,
        shard: { index: i + 1, count },
        ...(spec.cacheMb !== undefined ? { cacheMb: spec.cacheMb / count } : {}),
      };
      return runner.run(shardSpec, shardEnv, () => folder.request()).then(
        (result) => {
          // Each finished worker's points reach the results file at once, not only at the end.
          folder.request();
          return result;
        },
        async (err: unknown) => {
          // One worker failing fails the scan: stop the others rather than let them finish for nothing.
          await stopAll();
          throw err;
        },
      );
    });
    const settled = await Promise.allSettled(runs);
    if (hooks.signal?.aborted) throw new CancelledError();
    // The first real failure, not a sibling stopped because of it.
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    const failed = rejected.find((s) => !(s.reason instanceof JobCancelledError)) ?? rejected[0];
    if (failed !== undefined) throw failed.reason;
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    await folder.flush();
    await fold();
    await removeFiles(files);
  }
  const results = await readResultsIfExists(spec.file);
  if (results === undefined) return { summary: `no points measured in ${spec.file}`, outputs: [] };
  return scanResult(results, spec.file, ` by ${count} workers`);
}
