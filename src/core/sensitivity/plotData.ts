/**
 * What the sensitivity plots show, taken out of a results file once: one row per parameter
 * (members of a coupled group each get the group's points) and one column per ratio that
 * was asked for or measured.
 */
import type { SensitivityResults } from '../../shared/results';
import { isMeasured, ratioKey } from '../../shared/results';

export interface PlotCell {
  readonly key: string;
  readonly ratio: number;
  /** The measured loss; undefined when the point is skipped or not measured yet. */
  readonly loss?: number;
  /** Why the point was skipped, when it was. */
  readonly skipped?: string;
}

export interface PlotRow {
  readonly param: string;
  readonly groupId: string;
  /** Parameters in the group, this one included. */
  readonly groupSize: number;
  readonly prunable: boolean;
  readonly reason?: string;
  /** Only the ratios this row has a point for, ascending. */
  readonly cells: readonly PlotCell[];
}

export interface PlotData {
  readonly rows: readonly PlotRow[];
  /** Every ratio column, ascending. */
  readonly columns: readonly { readonly key: string; readonly ratio: number }[];
}

export function plotData(results: SensitivityResults): PlotData {
  const keys = new Set(results.metadata.ratios.map(ratioKey));
  for (const table of Object.values(results.points)) for (const key of Object.keys(table)) keys.add(key);
  const columns = [...keys].map((key) => ({ key, ratio: Number(key) })).sort((a, b) => a.ratio - b.ratio);
  const rows = Object.entries(results.params).map(([param, groupId]): PlotRow => {
    const group = results.groups[groupId];
    const table = results.points[groupId] ?? {};
    const cells = columns.flatMap(({ key, ratio }): PlotCell[] => {
      const point = table[key];
      if (point === undefined) return [];
      return [isMeasured(point) ? { key, ratio, loss: point.loss } : { key, ratio, skipped: point.reason }];
    });
    return {
      param,
      groupId,
      groupSize: group?.params.length ?? 1,
      prunable: group?.prunable ?? true,
      ...(group?.reason !== undefined ? { reason: group.reason } : {}),
      cells,
    };
  });
  return { rows, columns };
}
