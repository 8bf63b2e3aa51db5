/**
 * Reads a split scan's files from disk for shardStatus.ts: the results file, every shard file
 * beside it, and the lock files of the shards and of the results file. A lock file is
 * `TARGET.lock` holding the owner's pid as JSON, as the language server's job locks are
 * written (src/server/jobLock.ts); its pid is only checked when the lock names no other
 * machine, since a shard on a cluster node runs elsewhere.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { readResultsIfExists } from './resultsFile';
import { mainFileOf, shardFile, shardsOf } from './shards';
import { shardSetStatus, type LockInfo, type ShardSetStatus, type StatusInput } from './shardStatus';

export function lockFileFor(target: string): string {
  return `${target.replace(/[\\/]+$/, '')}.lock`;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock on `target`, or undefined when there is none (or it cannot be read as one). */
export async function readLock(target: string): Promise<LockInfo | undefined> {
  let owner: Record<string, unknown>;
  try {
    owner = JSON.parse(await fsp.readFile(lockFileFor(target), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const pid = owner['pid'];
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  const host = typeof owner['host'] === 'string' ? owner['host'] : undefined;
  const since = typeof owner['since'] === 'string' ? owner['since'] : undefined;
  const here = host === undefined || host === os.hostname();
  return { pid, ...(host !== undefined ? { host } : {}), ...(since !== undefined ? { since } : {}), alive: here ? running(pid) : undefined };
}

export interface ShardSetReport extends ShardSetStatus {
  /** The results file the set belongs to, whether or not it exists yet. */
  readonly main: string;
  readonly mainExists: boolean;
  /** The lock on the results file itself (a running scan or merge that writes it). */
  readonly mainLock?: LockInfo;
  /** Every results or shard file read, results file first. */
  readonly files: readonly string[];
}

/** The status of the split scan `file` belongs to (`file` may be the results file or one of its shards). */
export async function readShardSet(file: string): Promise<ShardSetReport> {
  const main = mainFileOf(file);
  const inputs: StatusInput[] = [];
  const mainResults = await readResultsIfExists(main);
  if (mainResults !== undefined) inputs.push({ name: main, results: mainResults });
  for (const shard of await shardsOf(main)) {
    const results = await readResultsIfExists(shard);
    if (results !== undefined) inputs.push({ name: shard, results });
  }
  const locks = new Map<string, LockInfo>();
  const counts = new Set(inputs.flatMap((i) => (i.results.metadata.shard ? [i.results.metadata.shard.count] : [])));
  for (const count of counts) {
    for (let index = 1; index <= count; index++) {
      const lock = await readLock(shardFile(main, index, count));
      if (lock !== undefined) locks.set(`${index}/${count}`, lock);
    }
  }
  const mainLock = await readLock(main);
  return {
    ...shardSetStatus(inputs, locks),
    main,
    mainExists: mainResults !== undefined,
    ...(mainLock !== undefined ? { mainLock } : {}),
    files: inputs.map((i) => i.name),
  };
}
