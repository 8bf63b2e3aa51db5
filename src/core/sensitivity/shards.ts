/**
 * Shard files of a sensitivity scan split over several worker processes. Each worker
 * measures its share of the channel groups into its own file beside the results file
 * (`sens.json` -> `sens.shard-2-of-4.json`, the results format holding only some points),
 * because two processes rewriting one file would lose each other's points. Whoever runs
 * the workers (the language server, or `prunelens sensitivity --workers N`) is the only
 * writer of the results file itself: it folds the shards into it as points arrive and once
 * more at the end, then deletes them, so the results file is always the whole truth and a
 * resumed job starts from it alone. `--shard i/N` (or `--shard auto` under Slurm or
 * Kubernetes, src/core/cluster/autoShard.ts) runs one share into its shard file, for
 * `prunelens merge` later.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { mergeResults } from './merge';
import { readResultsIfExists, writeResults } from './resultsFile';
import type { SensitivityResults } from '../../shared/results';
import { UsageError } from '../util/errors';
import { SHARD_PATTERN, shardFile, stem } from './shardFiles';

// The shard files' names live in shardFiles.ts; which shard measures what, in shardShare.ts (it
// needs the model, so the language server, which reads this module, never loads it).
export { isShardFile, mainFileOf, shardFile } from './shardFiles';

/** Every shard file of `main` on disk, whatever the worker count that wrote it. */
export async function shardsOf(main: string): Promise<string[]> {
  const dir = path.dirname(main);
  const prefix = `${path.basename(stem(main))}.shard-`;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix) && SHARD_PATTERN.test(n)).map((n) => path.join(dir, n));
}

/**
 * Merges the shard files into `main` (later inputs win, so a shard's fresh point beats the
 * copy it was seeded with). Returns false when there was nothing to fold.
 */
export async function foldShards(main: string, shards: readonly string[], force: boolean): Promise<boolean> {
  const inputs: SensitivityResults[] = [];
  const names: string[] = [];
  for (const file of [main, ...shards]) {
    const results = await readResultsIfExists(file);
    if (results === undefined) continue;
    inputs.push(results);
    names.push(file);
  }
  if (inputs.length === 0 || (inputs.length === 1 && names[0] === main)) return false;
  await writeResults(main, mergeResults(inputs, { force, names }).results);
  return true;
}

export async function removeFiles(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((f) => fsp.rm(f, { force: true })));
}

/** One share of a scan split over several processes: part `index` (1-based) of `count`, measured into `file`. */
export interface ShardTask {
  readonly index: number;
  readonly count: number;
  readonly file: string;
}

/** Parses "i/N" as given to `--shard`. */
export function parseShard(text: string, main: string): ShardTask {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard must be i/N with 1 <= i <= N, e.g. 2/4; got "${text}"`);
  return { index, count, file: shardFile(main, index, count) };
}
