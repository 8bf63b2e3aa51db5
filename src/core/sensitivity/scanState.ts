/**
 * The starting state of a sensitivity scan: what the results file already holds, checked
 * against the model and dataset at hand, extended with the parameters and ratios this call
 * asks for. PaddleSlim's rules: every parameter already in the file is extended with the
 * new ratios too, and a point already measured is never measured again.
 */
import type { ResultsGroup, SensitivityPoint, SensitivityResults } from '../../shared/results';
import type { ChannelGroup, DependencyGraph } from '../pruning';
import { PruneLensError, UsageError } from '../util/errors';
import { measurementDifferences, type MeasurementIdentity } from './compatibility';

export { DEFAULT_RATIOS } from '../../shared/vocabulary';

/** The mutable working copy a scan fills in and writes after every point. */
export interface ScanState {
  readonly params: Record<string, string>;
  readonly groups: Record<string, ResultsGroup>;
  readonly points: Record<string, Record<string, SensitivityPoint>>;
  /** Groups to measure, in the order PaddleSlim visits parameters (the file's, then new ones). */
  readonly order: readonly ChannelGroup[];
}

/** Ratios as given, checked, normalised (so 0.30000000000000004 is 0.3), unique and ascending. */
export function checkRatios(ratios: readonly number[], normalise: (r: number) => number): number[] {
  if (ratios.length === 0) throw new UsageError('no pruning ratios given');
  for (const r of ratios) {
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r >= 1) throw new UsageError(`pruning ratios must be numbers between 0 and 1 (exclusive), got ${String(r)}`);
  }
  const out = [...new Set(ratios.map(normalise))].sort((a, b) => a - b);
  const bad = out.find((r) => r <= 0 || r >= 1);
  if (bad !== undefined) throw new UsageError(`pruning ratio ${bad} is 0 or 1 once rounded to 4 decimals`);
  return out;
}

/** Refuses to add to a file measured on something else, unless forced. */
export function checkComparable(existing: SensitivityResults | undefined, current: MeasurementIdentity, file: string, force: boolean): void {
  if (existing === undefined || force) return;
  const differences = measurementDifferences(existing.metadata, current, 'the file', 'this run');
  if (differences.length === 0) return;
  throw new PruneLensError(
    `holds points measured on something else, so new points would not be comparable:\n  ${differences.join('\n  ')}\n` +
      'Use another results file, or --force (force: true) to add to this one anyway.',
    file,
  );
}

function describeGroup(group: ChannelGroup): ResultsGroup {
  return {
    id: group.id,
    params: [...group.params],
    channels: group.channels,
    prunable: group.prunable,
    ...(group.reason !== undefined ? { reason: group.reason } : {}),
  };
}

/**
 * The working state for `params` on `graph`, starting from `existing`. Every member of a
 * requested parameter's group is listed under the group too, so the one point measured
 * for the group shows under each of them. With `measured`, only the groups of those
 * parameters are measured (one shard's share); the others are recorded without points, so
 * that the file names everything the whole scan asked for.
 */
export function initialState(graph: DependencyGraph, params: readonly string[], existing: SensitivityResults | undefined, measured?: readonly string[]): ScanState {
  const state = {
    params: { ...(existing?.params ?? {}) },
    groups: { ...(existing?.groups ?? {}) },
    points: Object.fromEntries(Object.entries(existing?.points ?? {}).map(([id, table]) => [id, { ...table }])),
  };
  const order: ChannelGroup[] = [];
  const seen = new Set<string>();
  const mine = measured === undefined ? undefined : new Set(measured.map((p) => graph.groupForParam(p).id));
  const visit = (name: string, fromFile: boolean): void => {
    let group: ChannelGroup;
    try {
      group = graph.groupForParam(name);
    } catch (err) {
      // A file forced onto another model may name parameters this one lacks: keep their
      // points as they are. A parameter the caller asks for must exist.
      if (fromFile && err instanceof UsageError) return;
      throw err;
    }
    if (!seen.has(group.id) && (mine === undefined || mine.has(group.id))) {
      seen.add(group.id);
      order.push(group);
    }
    state.groups[group.id] = describeGroup(group);
    state.params[name] = group.id;
    for (const member of group.params) state.params[member] ??= group.id;
  };
  for (const name of Object.keys(existing?.params ?? {})) visit(name, true);
  for (const name of params) visit(name, false);
  return { ...state, order };
}
