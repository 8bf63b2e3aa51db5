/**
 * Where a split scan stands: which shards and points are done, running or missing. The
 * shard plan recorded in every shard file (shardPlan.ts) says which points the whole set
 * should hold, so one shard file on disk is enough to know what the others still owe; a
 * partial merge's marker (`metadata.partial`) says what it lacked. `prunelens status`, the
 * checked merge (shardMerge.ts) and the editor read this; it is pure, and shardSetFiles.ts
 * gathers its inputs from disk.
 *
 * Files written before plans were recorded still count: their shard numbers show which
 * shards are missing, though not which points those would have held.
 */
import type { PartialMarker, RatioKey, SensitivityResults, ShardPlan } from '../../shared/results';
import { ratioKey } from '../../shared/results';

/** A lock file beside a results or shard file (`FILE.lock`, as the language server writes them). */
export interface LockInfo {
  readonly pid: number;
  /** The machine of the holder, when the lock says; a pid is only checked on this machine. */
  readonly host?: string;
  readonly since?: string;
  /** Whether the holder runs: undefined when it cannot be told (another machine). */
  readonly alive: boolean | undefined;
}

export interface StatusInput {
  readonly name: string;
  readonly results: SensitivityResults;
}

/** done: every planned point is there (anywhere in the set); running: a live lock; incomplete: a file short of points; missing: no file and points owed. */
export type ShardState = 'done' | 'running' | 'incomplete' | 'missing';

export interface ShardStatus {
  readonly index: number;
  readonly count: number;
  /** The shard's file among the inputs, if any. */
  readonly file?: string;
  readonly state: ShardState;
  /** Points the plan gives this shard (undefined without a plan) and how many of them are there. */
  readonly planned?: number;
  readonly present: number;
  readonly groups?: readonly string[];
  readonly lock?: LockInfo;
}

export interface ShardSetStatus {
  readonly plan?: ShardPlan;
  readonly shards: readonly ShardStatus[];
  /** Points the plan(s) and partial markers expect, and how many of them are there. */
  readonly planned: number;
  readonly present: number;
  readonly missingShards: readonly number[];
  readonly missingPoints: Readonly<Record<string, readonly RatioKey[]>>;
  /** True when nothing expected is missing (a set with no shard files and no marker is complete). */
  readonly complete: boolean;
  /** Things worth saying that are not missing points, in words. */
  readonly notes: readonly string[];
}

type PointSet = Map<string, Set<RatioKey>>;

function add(set: PointSet, group: string, key: RatioKey): void {
  const keys = set.get(group) ?? new Set<RatioKey>();
  keys.add(key);
  set.set(group, keys);
}

function has(set: PointSet, group: string, key: RatioKey): boolean {
  return set.get(group)?.has(key) ?? false;
}

/** The points a share is planned to hold. */
function planned(groups: readonly string[], ratios: readonly number[]): [string, RatioKey][] {
  return groups.flatMap((g) => ratios.map((r): [string, RatioKey] => [g, ratioKey(r)]));
}

/** Points without a plan: the file's own prunable groups at its own ratios. */
function ownPoints(results: SensitivityResults): [string, RatioKey][] {
  const prunable = Object.values(results.groups).filter((g) => g.prunable).map((g) => g.id);
  return planned(prunable, results.metadata.ratios);
}

function planKey(count: number, plan: ShardPlan | undefined): string {
  return plan === undefined ? `${count}` : `${count}:${JSON.stringify(plan.ratios)}:${JSON.stringify(plan.shares.map((s) => s.groups))}`;
}

/**
 * The status of the set made of `inputs` (a results file and its shard files, or merge
 * inputs). `locks` holds the lock of shard `i` of `N` under the key "i/N", found whether or
 * not the shard's file exists yet (a shard takes its lock before its first point).
 */
export function shardSetStatus(inputs: readonly StatusInput[], locks: ReadonlyMap<string, LockInfo> = new Map()): ShardSetStatus {
  const present: PointSet = new Map();
  for (const { results } of inputs) {
    // A measured point and an early-stop marker both settle a point.
    for (const [group, table] of Object.entries(results.points)) for (const key of Object.keys(table)) add(present, group, key);
  }
  const expected: PointSet = new Map();
  const notes: string[] = [];
  const shards: ShardStatus[] = [];
  const splits = new Map<string, { count: number; plan: ShardPlan | undefined; files: StatusInput[] }>();
  for (const input of inputs) {
    const shard = input.results.metadata.shard;
    if (shard === undefined) continue;
    const key = planKey(shard.count, shard.plan);
    const split = splits.get(key) ?? { count: shard.count, plan: shard.plan, files: [] };
    split.files.push(input);
    splits.set(key, split);
  }
  if (splits.size > 1) notes.push(`the shard files come from ${splits.size} different splits (shard counts, ratios or plans); each is checked on its own`);
  for (const split of splits.values()) {
    if (split.plan === undefined) notes.push(`shard files of ${split.count} written without a shard plan (an older PruneLens): missing shards are found, not the points they would hold`);
    for (let index = 1; index <= split.count; index++) {
      const mine = split.files.filter((f) => f.results.metadata.shard?.index === index);
      const file = mine[0];
      const share = split.plan?.shares[index - 1];
      const points = share !== undefined && split.plan !== undefined ? planned(share.groups, split.plan.ratios) : file !== undefined ? ownPoints(file.results) : undefined;
      for (const [g, k] of points ?? []) add(expected, g, k);
      const done = (points ?? []).filter(([g, k]) => has(present, g, k)).length;
      const owed = points === undefined ? file === undefined : done < points.length;
      const lock = locks.get(`${index}/${split.count}`);
      if (lock?.alive === false) notes.push(`${file?.name ?? `shard ${index}`} has a stale lock (pid ${lock.pid} no longer runs)`);
      const state: ShardState = !owed ? 'done' : lock !== undefined && lock.alive !== false ? 'running' : file !== undefined ? 'incomplete' : 'missing';
      shards.push({
        index,
        count: split.count,
        ...(file !== undefined ? { file: file.name } : {}),
        state,
        ...(points !== undefined ? { planned: points.length } : {}),
        present: done,
        ...(share !== undefined ? { groups: share.groups } : {}),
        ...(lock !== undefined ? { lock } : {}),
      });
    }
  }
  for (const { results } of inputs) addMarker(expected, results.metadata.partial);
  const missingPoints: Record<string, RatioKey[]> = {};
  let count = 0;
  let there = 0;
  for (const [group, keys] of expected) {
    for (const key of keys) {
      count++;
      if (has(present, group, key)) there++;
      else (missingPoints[group] ??= []).push(key);
    }
  }
  for (const keys of Object.values(missingPoints)) keys.sort((a, b) => Number(a) - Number(b));
  const missingShards = shards.filter((s) => s.state === 'missing').map((s) => s.index);
  const plan = [...splits.values()].find((s) => s.plan !== undefined)?.plan;
  return {
    ...(plan !== undefined ? { plan } : {}),
    shards,
    planned: count,
    present: there,
    missingShards,
    missingPoints,
    complete: count === there && shards.every((s) => s.state === 'done'),
    notes,
  };
}

/** An earlier partial merge's missing points are still expected. */
function addMarker(expected: PointSet, marker: PartialMarker | undefined): void {
  for (const [group, keys] of Object.entries(marker?.missingPoints ?? {})) for (const key of keys) add(expected, group, key);
}

/** What is missing, in one line: "shards 2, 4 (no file); 6 points: conv2_1_sep_weights @ 0.2, 0.5; ...". */
export function describeMissing(status: ShardSetStatus, maxGroups = 6): string {
  const parts: string[] = [];
  if (status.missingShards.length > 0) parts.push(`shard${status.missingShards.length === 1 ? '' : 's'} ${status.missingShards.join(', ')} (no file)`);
  const incomplete = status.shards.filter((s) => s.state === 'incomplete' || s.state === 'running').map((s) => `${s.index} (${s.state}, ${s.present} of ${s.planned ?? '?'} points)`);
  if (incomplete.length > 0) parts.push(`shard${incomplete.length === 1 ? '' : 's'} ${incomplete.join(', ')}`);
  const groups = Object.entries(status.missingPoints);
  if (groups.length > 0) {
    const shown = groups.slice(0, maxGroups).map(([g, keys]) => `${g} @ ${keys.join(', ')}`);
    const more = groups.length > maxGroups ? `; and ${groups.length - maxGroups} more groups` : '';
    parts.push(`${status.planned - status.present} points missing: ${shown.join('; ')}${more}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'nothing';
}
