/**
 * `prunelens merge` with the shard set checked: when the inputs are shards of a split scan
 * (or an earlier partial merge), the shard plan in them says which points the whole set
 * should hold. An incomplete set is refused with what is missing, unless the caller asks
 * for a partial result, which is then marked as such in its metadata (`metadata.partial`)
 * so that no reader mistakes it for the whole scan. Merging the rest in later clears it.
 */
import type { SensitivityResults } from '../../shared/results';
import { PruneLensError } from '../util/errors';
import { mergeResults, type MergeOutcome } from './merge';
import { loadResults } from './resultsFile';
import { describeMissing, shardSetStatus, type ShardSetStatus } from './shardStatus';

export interface CheckedMergeOptions {
  /** Merge even when models, datasets, metrics or criteria differ (see mergeResults). */
  readonly force?: boolean;
  /** Write an incomplete shard set anyway, marked partial. */
  readonly partial?: boolean;
}

export interface CheckedMergeOutcome extends MergeOutcome {
  /** The shard set as the inputs show it; `complete` false only with `partial`. */
  readonly status: ShardSetStatus;
}

/** mergeResults, then the partial marker set or cleared from the set's status. */
export function mergeChecked(inputs: readonly SensitivityResults[], names: readonly string[], opts: CheckedMergeOptions = {}): CheckedMergeOutcome {
  const status = shardSetStatus(inputs.map((results, i) => ({ name: names[i] ?? `input ${i + 1}`, results })));
  if (!status.complete && !opts.partial) {
    throw new PruneLensError(`the shard set is incomplete: ${describeMissing(status)}\n(run the missing shards, or merge with --partial to write what there is, marked partial in its metadata)`);
  }
  const outcome = mergeResults(inputs, { ...(opts.force !== undefined ? { force: opts.force } : {}), names });
  const { partial: _earlier, ...metadata } = outcome.results.metadata;
  const marker = status.complete ? {} : { partial: { missingShards: status.missingShards, missingPoints: status.missingPoints } };
  const warnings = status.complete ? outcome.warnings : [...outcome.warnings, `partial result: ${describeMissing(status)}`];
  return { results: { ...outcome.results, metadata: { ...metadata, ...marker } }, warnings, status };
}

/** Loads `files` and merges them checked (mergeResultFiles with the shard set checked). */
export async function mergeCheckedFiles(files: readonly string[], opts: CheckedMergeOptions = {}): Promise<CheckedMergeOutcome> {
  const inputs: SensitivityResults[] = [];
  for (const file of files) inputs.push(await loadResults(file));
  return mergeChecked(inputs, files, opts);
}
