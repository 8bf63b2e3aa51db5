/**
 * How shard files are named: `sens.json` -> `sens.shard-2-of-4.json`, beside the results
 * file, so that a listing of the folder shows a split scan's files together.
 */

export const SHARD_PATTERN = /\.shard-(\d+)-of-(\d+)\.json$/;

export function stem(main: string): string {
  return main.endsWith('.json') ? main.slice(0, -'.json'.length) : main;
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
