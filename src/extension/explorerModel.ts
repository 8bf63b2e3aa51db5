/**
 * What the Sensitivity Explorer shows for one results file, as plain data: a row per
 * parameter with its points, its worst loss (for the icon colour) and the ratio the loss
 * threshold picks (its description). No `vscode` import, so it is unit-tested in Node.
 */
import { ratiosByLoss, sensitivitiesOf } from '../shared/ratios';
import { isMeasured, type SensitivityResults } from '../shared/results';

export interface PointRow {
  readonly ratio: number;
  readonly loss?: number;
  /** Why it was not measured (early stop). */
  readonly skipped?: string;
}

export interface ParamRow {
  readonly param: string;
  readonly group: string;
  readonly channels: number;
  readonly prunable: boolean;
  readonly reason?: string;
  readonly points: readonly PointRow[];
  /** The largest measured loss, undefined before the first point. */
  readonly worstLoss?: number;
  /** The ratio the loss threshold picks (PaddleSlim's get_ratios_by_loss), once there are points. */
  readonly chosen?: number;
}

/** How bad the worst loss is, relative to the threshold: the icon colour. */
export type LossLevel = 'unmeasured' | 'fine' | 'moderate' | 'high' | 'severe';

export function lossLevel(worst: number | undefined, threshold: number): LossLevel {
  if (worst === undefined) return 'unmeasured';
  if (worst <= threshold) return 'fine';
  if (worst <= Math.max(0.1, 5 * threshold)) return 'moderate';
  if (worst <= 0.3) return 'high';
  return 'severe';
}

export function formatLoss(loss: number): string {
  return `${(100 * loss).toFixed(2)}%`;
}

export function paramRows(results: SensitivityResults, threshold: number): ParamRow[] {
  const chosen = ratiosByLoss(sensitivitiesOf(results), threshold);
  return Object.entries(results.params).map(([param, groupId]) => {
    const group = results.groups[groupId];
    const table = results.points[groupId] ?? {};
    const points: PointRow[] = Object.entries(table)
      .map(([key, p]) => (isMeasured(p) ? { ratio: Number(key), loss: p.loss } : { ratio: Number(key), skipped: p.reason }))
      .sort((a, b) => a.ratio - b.ratio);
    const losses = points.flatMap((p) => (p.loss === undefined ? [] : [p.loss]));
    return {
      param,
      group: groupId,
      channels: group?.channels ?? 0,
      prunable: group?.prunable ?? true,
      ...(group?.reason !== undefined ? { reason: group.reason } : {}),
      points,
      ...(losses.length > 0 ? { worstLoss: Math.max(...losses) } : {}),
      ...(chosen[param] !== undefined ? { chosen: chosen[param] } : {}),
    };
  });
}
