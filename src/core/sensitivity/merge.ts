/**
 * Merging results files: PaddleSlim's `merge_sensitive` (a plain union per parameter, the
 * later input winning for the same parameter and ratio), made safe with the metadata.
 * Files measured on different models, datasets, metrics or criteria are refused unless
 * forced, because their losses are not comparable and a union would silently mix them.
 *
 * Three refinements over a plain union, all documented in docs/results-format.md:
 * - a measured point beats an early-stop marker whatever the order (a marker is not a
 *   measurement, so it must not hide one);
 * - an exact point beats a quick estimate of the same point whatever the order (it is the
 *   number the estimate estimates);
 * - differing baselines are reported as a warning: each point's loss is relative to the
 *   baseline of the call that measured it.
 */
import type { ResultsGroup, ResultsMetadata, SensitivityPoint, SensitivityResults } from '../../shared/results';
import { isMeasured, isQuick, normaliseRatio } from '../../shared/results';
import { PruneLensError, UsageError } from '../util/errors';
import { PRUNELENS_VERSION } from '../version';
import { measurementDifferences } from './compatibility';
import { groupOverlap } from './resultsCheck';
import { loadResults } from './resultsFile';

export interface MergeOptions {
  /** Merge even when models, datasets, metrics or criteria differ (the later input's metadata wins). */
  readonly force?: boolean;
  /** A name per input for messages (its file); default "input 1", "input 2", ... */
  readonly names?: readonly string[];
}

export interface MergeOutcome {
  readonly results: SensitivityResults;
  /** Things the user should know that did not stop the merge. */
  readonly warnings: readonly string[];
}

/** Every way the inputs' metadata disagree with the first input's, in words. */
function metadataConflicts(inputs: readonly SensitivityResults[], names: readonly string[]): string[] {
  const first = inputs[0];
  if (first === undefined) return [];
  return inputs.flatMap((r, i) => measurementDifferences(first.metadata, r.metadata, names[0] ?? 'input 1', names[i] ?? `input ${i + 1}`));
}

function sameMembers(a: ResultsGroup, b: ResultsGroup): boolean {
  return a.params.length === b.params.length && a.params.every((p, i) => p === b.params[i]);
}

/** The point to keep when two inputs have one for the same group and ratio. */
function laterWins(earlier: SensitivityPoint | undefined, later: SensitivityPoint): SensitivityPoint {
  if (earlier !== undefined && isMeasured(earlier) && !isMeasured(later)) return earlier;
  if (earlier !== undefined && isMeasured(earlier) && !isQuick(earlier) && isQuick(later)) return earlier;
  return later;
}

/**
 * `record` with its keys in network order: the FLOPs model lists groups in network order,
 * and a key sorts by the position of its group (keys of no known group last, as they came).
 * Shards are folded in whatever order their workers finish; the file must not show it.
 */
function inNetworkOrder<T>(record: Readonly<Record<string, T>>, groupOf: (key: string) => string, rank: ReadonlyMap<string, number>): Record<string, T> {
  const position = (key: string): number => rank.get(groupOf(key)) ?? rank.size;
  const keys = Object.keys(record);
  const sorted = keys.map((k, i) => ({ k, i })).sort((a, b) => position(a.k) - position(b.k) || a.i - b.i);
  return Object.fromEntries(sorted.map(({ k }) => [k, record[k] as T]));
}

/** Merges results in order (later inputs win); see the module comment for the rules. */
export function mergeResults(inputs: readonly SensitivityResults[], opts: MergeOptions = {}): MergeOutcome {
  const names = inputs.map((_, i) => opts.names?.[i] ?? `input ${i + 1}`);
  const last = inputs[inputs.length - 1];
  if (last === undefined) throw new UsageError('nothing to merge: give at least one results file');
  const warnings: string[] = [];
  const conflicts = metadataConflicts(inputs, names);
  const params: Record<string, string> = {};
  const groups: Record<string, ResultsGroup> = {};
  const points: Record<string, Record<string, SensitivityPoint>> = {};
  inputs.forEach((r, i) => {
    for (const [param, group] of Object.entries(r.params)) {
      const before = params[param];
      if (before !== undefined && before !== group) conflicts.push(`${names[i]} puts ${param} in group ${group}, an earlier input in group ${before}`);
      params[param] = group;
    }
    for (const [id, group] of Object.entries(r.groups)) {
      const before = groups[id];
      if (before !== undefined && !sameMembers(before, group)) {
        conflicts.push(`group ${id} has members [${group.params.join(', ')}] in ${names[i]} but [${before.params.join(', ')}] in an earlier input`);
      }
      groups[id] = group;
    }
    for (const [id, table] of Object.entries(r.points)) {
      const merged = (points[id] ??= {});
      for (const [key, point] of Object.entries(table)) merged[key] = laterWins(merged[key], point);
    }
  });
  if (conflicts.length > 0) {
    if (!opts.force) throw new PruneLensError(`refusing to merge results that are not comparable:\n  ${conflicts.join('\n  ')}\n(--force merges them anyway; the last file's metadata wins)`);
    warnings.push(...conflicts.map((c) => `merged anyway (forced): ${c}`));
  }
  const baselines = new Set(inputs.map((r) => r.metadata.baseline));
  if (baselines.size > 1) {
    warnings.push(`baselines differ (${inputs.map((r, i) => `${names[i]}: ${r.metadata.baseline}`).join(', ')}); each loss stays relative to the baseline it was measured against, and the merged file records the last one`);
  }
  // A group may have lost every member to a forced later input; keep it only if a param still names it.
  const named = new Set(Object.values(params));
  for (const id of Object.keys(groups)) {
    if (!named.has(id)) {
      delete groups[id];
      delete points[id];
    }
  }
  // Not even --force can make one parameter a member of two groups: the file would be invalid.
  const overlap = groupOverlap(groups);
  if (overlap !== undefined) {
    throw new PruneLensError(`cannot merge: ${overlap.param} is a member of group ${overlap.first} in one input and of group ${overlap.second} in another, so the files do not describe one model`);
  }
  const ratios = [...new Set(inputs.flatMap((r) => r.metadata.ratios.map(normaliseRatio)))].sort((a, b) => a - b);
  const times = inputs.flatMap((r) => [r.metadata.created, r.metadata.updated]).sort();
  const { shard: _shard, ...lastMetadata } = last.metadata;
  const metadata: ResultsMetadata = {
    ...lastMetadata,
    ratios,
    created: inputs.map((r) => r.metadata.created).sort()[0] ?? last.metadata.created,
    updated: times[times.length - 1] ?? last.metadata.updated,
    toolVersion: PRUNELENS_VERSION,
  };
  const flops = [...inputs].reverse().find((r) => r.flops !== undefined)?.flops;
  const rank = new Map(Object.keys(flops?.groups ?? {}).map((id, i) => [id, i]));
  const ordered = {
    params: inNetworkOrder(params, (p) => params[p] ?? p, rank),
    groups: inNetworkOrder(groups, (id) => id, rank),
    points: inNetworkOrder(points, (id) => id, rank),
  };
  return { results: { format: last.format, version: last.version, metadata, ...ordered, ...(flops ? { flops } : {}) }, warnings };
}

/** Loads and merges results files (PaddleSlim's `merge_sensitive` on file names). */
export async function mergeResultFiles(files: readonly string[], opts: Omit<MergeOptions, 'names'> = {}): Promise<MergeOutcome> {
  const inputs = [];
  for (const file of files) inputs.push(await loadResults(file));
  return mergeResults(inputs, { ...opts, names: files });
}
