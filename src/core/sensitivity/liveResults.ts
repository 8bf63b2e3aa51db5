/**
 * A results file as the editor shows it while a split scan runs: the file merged with every
 * shard file beside it, as `prunelens merge --partial` would write them (marked partial while
 * points are owed), and where the set stands, shard by shard. The explorer, the report and
 * hovers read this, so points measured on a cluster or by other worker processes appear as
 * their shard files are written. Reads files only: the language server may import it.
 */
import type { ShardLine, ShardSetSummary } from '../../shared/protocol';
import type { SensitivityResults } from '../../shared/results';
import { PruneLensError } from '../util/errors';
import { mergeChecked } from './shardMerge';
import { lockFileFor, readShardSetInputs } from './shardSetFiles';
import { loadResults } from './resultsFile';
import { isShardFile, shardsOf } from './shards';
import { shardSetStatus, type ShardSetStatus } from './shardStatus';

export interface LiveResults {
  readonly results: SensitivityResults;
  /** Absent for a plain results file (no shard files, not a partial merge). */
  readonly shards?: ShardSetSummary;
  readonly exists: boolean;
}

function summary(status: ShardSetStatus): ShardSetSummary {
  return {
    shards: status.shards.map(
      (s): ShardLine => ({
        index: s.index,
        state: s.state,
        ...(s.planned !== undefined ? { planned: s.planned } : {}),
        present: s.present,
        ...(s.lock?.host !== undefined ? { host: s.lock.host } : {}),
        ...(s.lock !== undefined ? { pid: s.lock.pid } : {}),
      }),
    ),
    planned: status.planned,
    present: status.present,
    complete: status.complete,
  };
}

/** The results of `file` with the shard files beside it merged in; a shard file is read as it is. */
export async function readLiveResults(file: string): Promise<LiveResults> {
  if (isShardFile(file)) return { results: await loadResults(file), exists: true };
  const set = await readShardSetInputs(file);
  const first = set.inputs[0];
  if (first === undefined) throw new PruneLensError('no such results file, and no shard file beside it', set.main);
  const split = set.inputs.length > 1 || first.results.metadata.shard !== undefined || first.results.metadata.partial !== undefined;
  if (!split) return { results: first.results, exists: set.mainExists };
  const results = mergeChecked(
    set.inputs.map((i) => i.results),
    set.inputs.map((i) => i.name),
    { partial: true },
  ).results;
  return { results, shards: summary(shardSetStatus(set.inputs, set.locks)), exists: set.mainExists };
}

/** The files whose changes change what readLiveResults returns for `main`: it, its shards, and their locks. */
export async function liveResultsFiles(main: string): Promise<string[]> {
  const files = isShardFile(main) ? [main] : [main, ...(await shardsOf(main)).sort()];
  return [...files, ...files.map(lockFileFor)];
}
