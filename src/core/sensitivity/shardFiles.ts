/**
 * How shard files are named: `sens.json` -> `sens.shard-2-of-4.json`, beside the results
 * file, so that a listing of the folder shows a split scan's files together. A results file
 * whose name leaves no room for the suffix gets shard names from its shortened stem (see
 * src/core/util/names.ts), the same in every process.
 */
import * as path from 'node:path';
import { fitStem } from '../util/names';

export const SHARD_PATTERN = /\.shard-(\d+)-of-(\d+)\.json$/;

/** Bytes kept free after the stem for a shard's suffix (".shard-1000-of-1000.json" is 24). */
const SHARD_SUFFIX_ROOM = 32;

/** `main` without `.json`, shortened (fitStem) so that every shard name fits the name limit. */
export function stem(main: string): string {
  const bare = main.endsWith('.json') ? main.slice(0, -'.json'.length) : main;
  return path.join(path.dirname(bare), fitStem(path.basename(bare), SHARD_SUFFIX_ROOM));
}

export function shardFile(main: string, index: number, count: number): string {
  return `${stem(main)}.shard-${index}-of-${count}.json`;
}

export function isShardFile(file: string): boolean {
  return SHARD_PATTERN.test(file);
}

/** The results file a shard file belongs to (`sens.shard-2-of-4.json` -> `sens.json`); any other file is its own. */
export function mainFileOf(file: string): string {
  return file.replace(SHARD_PATTERN, '.json');
}
