/**
 * Shard files of a sensitivity scan split over several worker processes. Each worker
 * measures its share of the channel groups into its own file beside the results file
 * (`sens.json` -> `sens.shard-2-of-4.json`, the results format holding only some points),
 * because two processes rewriting one file would lose each other's points. Whoever runs
 * the workers (the language server, or `prunelens sensitivity --workers N`) is the only
 * writer of the results file itself: it folds the shards into it as points arrive and once
 * more at the end, then deletes them, so the results file is always the whole truth and a
 * resumed job starts from it alone. `--shard i/N` runs one share by hand (on another
 * machine, say) into its shard file, for `prunelens merge` later.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { mergeResults } from './merge';
import { readResultsIfExists, writeResults } from './resultsFile';
import type { SensitivityResults } from '../../shared/results';
import { UsageError } from '../util/errors';
import { fitStem } from '../util/names';

const SHARD_PATTERN = /\.shard-(\d+)-of-(\d+)\.json$/;

/** Bytes kept free after the stem for a shard's suffix (".shard-1000-of-1000.json" is 24). */
const SHARD_SUFFIX_ROOM = 32;

/** `main` without `.json`, shortened (fitStem) so that every shard name fits the name limit. */
function stem(main: string): string {
  const bare = main.endsWith('.json') ? main.slice(0, -'.json'.length) : main;
  return path.join(path.dirname(bare), fitStem(path.basename(bare), SHARD_SUFFIX_ROOM));
}

export function shardFile(main: string, index: number, count: number): string {
  return `${stem(main)}.shard-${index}-of-${count}.json`;
}

export function isShardFile(file: string): boolean {
  return SHARD_PATTERN.test(file);
}

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

/** `results` cut down to the groups in `keep`: the starting point of one worker's shard. */
export function restrictResults(results: SensitivityResults, keep: ReadonlySet<string>, shard: { index: number; count: number }): SensitivityResults {
  const params = Object.fromEntries(Object.entries(results.params).filter(([, g]) => keep.has(g)));
  const groups = Object.fromEntries(Object.entries(results.groups).filter(([id]) => keep.has(id)));
  const points = Object.fromEntries(Object.entries(results.points).filter(([id]) => keep.has(id)));
  return { ...results, metadata: { ...results.metadata, shard }, params, groups, points };
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
