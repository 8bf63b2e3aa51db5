/**
 * The shard plan: which shard measures which channel groups. Every shard of a split scan
 * (a Slurm array task, a Kubernetes index, a worker process) computes the plan on its own,
 * with no coordinator, so the plan must come out identical from identical inputs: it is a
 * pure function of the groups' estimated costs, in network order, and the shard count.
 *
 * Balancing is by estimated cost, not by point count: with the fast engine a point costs the
 * network downstream of its group (shardCost.ts), so an early group's point can cost a
 * thousand times a late group's. The plan is greedy longest-processing-time first (Graham's
 * LPT): groups by falling cost, each to the shard with the least cost so far. Its makespan is
 * at most 4/3 of the best possible, and it is deterministic once ties are broken by network
 * order and by shard number.
 */
import type { PlannedShare, ShardPlan } from '../../shared/results';
import { counted } from '../../shared/format';

/** A prunable group to place and its estimated cost (0 when its points are all measured). */
export interface PlanItem {
  readonly group: string;
  readonly cost: number;
}

/**
 * Splits `items` (in network order) over `count` shards. Each share keeps its groups in
 * network order, so that a shard's fast engine still chains its upstream passes.
 */
export function planShards(items: readonly PlanItem[], count: number, ratios: readonly number[]): ShardPlan {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a whole number >= 1, got ${count}`);
  const order = new Map(items.map((item, i) => [item.group, i]));
  const byCost = [...items].sort((a, b) => b.cost - a.cost || (order.get(a.group) ?? 0) - (order.get(b.group) ?? 0));
  const loads = Array.from({ length: count }, () => ({ cost: 0, groups: [] as string[] }));
  for (const item of byCost) {
    let target = 0;
    for (let k = 1; k < count; k++) if ((loads[k]?.cost ?? 0) < (loads[target]?.cost ?? 0)) target = k;
    const load = loads[target] as { cost: number; groups: string[] };
    load.cost += item.cost;
    load.groups.push(item.group);
  }
  const shares: PlannedShare[] = loads.map((l) => ({ groups: l.groups.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)), cost: l.cost }));
  return { ratios: [...ratios], shares };
}

/** The shard (1-based) whose share holds `group`, or undefined when the plan does not place it. */
export function shardOfGroup(plan: ShardPlan, group: string): number | undefined {
  const k = plan.shares.findIndex((s) => s.groups.includes(group));
  return k < 0 ? undefined : k + 1;
}

/** Whether two plans place the same groups in the same shards at the same ratios (costs aside). */
export function samePlan(a: ShardPlan | undefined, b: ShardPlan | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = (x: readonly unknown[], y: readonly unknown[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.ratios, b.ratios) && a.shares.length === b.shares.length && a.shares.every((s, i) => same(s.groups, b.shares[i]?.groups ?? []));
}

/** The share of the plan's estimated cost that shard `index` carries, in [0, 1]. */
export function costShare(plan: ShardPlan, index: number): number {
  const total = plan.shares.reduce((n, s) => n + s.cost, 0);
  return total > 0 ? (plan.shares[index - 1]?.cost ?? 0) / total : 0;
}

/** "3 groups, 24% of the estimated cost": shard `index`'s share, for logs. */
export function describeShare(plan: ShardPlan, index: number): string {
  const groups = plan.shares[index - 1]?.groups.length ?? 0;
  return `${counted(groups, 'group')}, ${Math.round(100 * costShare(plan, index))}% of the estimated cost`;
}
