/**
 * What the Sensitivity Explorer shows for one results file, as plain data: a row per
 * channel group (the layers pruned together, measured once), with its points, its member
 * parameters, the ratio the loss budget picks (PaddleSlim's get_ratios_by_loss) and what
 * that makes of the group, the icon's colour. No `vscode` import, so it is unit-tested in
 * Node.
 */
import type { ShardLine, ShardSetSummary } from '../shared/protocol';
import { ratiosByLoss, sensitivitiesOf } from '../shared/ratios';
import { groupOrder, isMeasured, type QuickEstimate, type ResultsGroup, type SensitivityResults } from '../shared/results';

export interface PointRow {
  readonly ratio: number;
  readonly loss?: number;
  /** Set when the loss is a quick estimate. */
  readonly quick?: QuickEstimate;
  /** Why it was not measured (early stop). */
  readonly skipped?: string;
}

/** A channel group as the results file describes it (id, members, channels, whether prunable), with its points. */
export interface GroupRow extends ResultsGroup {
  readonly points: readonly PointRow[];
  /** The ratio the loss budget picks, once there are points. */
  readonly chosen?: number;
}

/**
 * What the loss budget makes of a group, which colours its icon: `prunes` when the budget
 * allows at least half the largest ratio scanned, `prunes-little` when it allows less,
 * `keeps` when every ratio measured costs more than the budget (ratio 0), and `unmeasured`
 * before the first point. It follows the budget, so a tight budget turns groups red and a
 * loose one green, and it agrees with the ratio beside the icon.
 */
export type BudgetLevel = 'unmeasured' | 'prunes' | 'prunes-little' | 'keeps';

export function budgetLevel(row: GroupRow): BudgetLevel {
  const scanned = Math.max(0, ...row.points.map((p) => p.ratio));
  if (row.chosen === undefined || scanned === 0) return 'unmeasured';
  if (row.chosen <= 0) return 'keeps';
  return row.chosen >= scanned / 2 ? 'prunes' : 'prunes-little';
}

export function groupRows(results: SensitivityResults, budget: number): GroupRow[] {
  const chosen = ratiosByLoss(sensitivitiesOf(results), budget);
  return groupOrder(results).map((id) => {
    const group = results.groups[id] ?? { id, params: [id], channels: 0, prunable: true };
    const points: PointRow[] = Object.entries(results.points[id] ?? {})
      .map(([key, p]) => (isMeasured(p) ? { ratio: Number(key), loss: p.loss, ...(p.quick ? { quick: p.quick } : {}) } : { ratio: Number(key), skipped: p.reason }))
      .sort((a, b) => a.ratio - b.ratio);
    return { ...group, points, ...(chosen[id] !== undefined ? { chosen: chosen[id] } : {}) };
  });
}

/** "2 of 4 done, 1 running, 1 missing; 30 of 45 points": a split scan in one line, beside the word Shards. */
export function shardSetText(summary: ShardSetSummary): string {
  const count = (state: ShardLine['state']): number => summary.shards.filter((s) => s.state === state).length;
  const others = (['running', 'incomplete', 'missing'] as const).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
  const shards = [`${count('done')} of ${summary.shards.length} done`, ...others].join(', ');
  return `${shards}; ${summary.present} of ${summary.planned} points${summary.complete ? '' : ' (partial)'}`;
}

/** One shard's row: "shard 2: running (pid 4242 on node7), 5 of 12 points". */
export function shardLineText(line: ShardLine): string {
  const holder = line.pid !== undefined ? ` (pid ${line.pid}${line.host !== undefined ? ` on ${line.host}` : ''})` : '';
  const points = line.planned !== undefined ? `${line.present} of ${line.planned} points` : `${line.present} points`;
  return `${line.state}${line.state === 'running' ? holder : ''}, ${points}`;
}
