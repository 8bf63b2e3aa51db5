/**
 * Reads a split scan's files from disk for shardStatus.ts: the results file, every shard file
 * beside it, and the lock files of the shards and of the results file. A lock file is
 * `TARGET.lock` holding the owner's pid, host and start as JSON, as every writer takes it
 * (src/core/util/fileLock.ts); its pid is only checked when the lock names no other
 * machine, since a shard on a cluster node runs elsewhere.
 */
import { lockFileOf, lockHolder } from '../util/fileLock';
import { readResultsIfExists } from './resultsFile';
import { mainFileOf, shardFile, shardsOf } from './shards';
import { shardSetStatus, type LockInfo, type ShardSetStatus, type StatusInput } from './shardStatus';

export function lockFileFor(target: string): string {
  return lockFileOf(target);
}

/** The lock on `target`, or undefined when there is none (or it cannot be read as one). */
export async function readLock(target: string): Promise<LockInfo | undefined> {
  const holder = await lockHolder(target);
  if (holder === undefined) return undefined;
  return { pid: holder.pid, host: holder.host, since: holder.since, alive: holder.alive };
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

/** What a split scan has on disk: its results file's and shards' results, and the live locks. */
export interface ShardSetInputs {
  readonly main: string;
  /** The results file first when it exists, then each shard file that does. */
  readonly inputs: readonly StatusInput[];
  readonly mainExists: boolean;
  /** Locks of the shards, keyed "i/N", and of the results file. */
  readonly locks: ReadonlyMap<string, LockInfo>;
  readonly mainLock?: LockInfo;
}

/** Reads the results file `file` belongs to (`file` may be one of its shards) and every shard file beside it. */
export async function readShardSetInputs(file: string): Promise<ShardSetInputs> {
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
  return { main, inputs, mainExists: mainResults !== undefined, locks, ...(mainLock !== undefined ? { mainLock } : {}) };
}

/** The status of the split scan `file` belongs to (`file` may be the results file or one of its shards). */
export async function readShardSet(file: string): Promise<ShardSetReport> {
  const set = await readShardSetInputs(file);
  return {
    ...shardSetStatus(set.inputs, set.locks),
    main: set.main,
    mainExists: set.mainExists,
    ...(set.mainLock !== undefined ? { mainLock: set.mainLock } : {}),
    files: set.inputs.map((i) => i.name),
  };
}
