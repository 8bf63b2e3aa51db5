/**
 * What the sensitivity plots show, taken out of a results file once: one row per channel
 * group (a coupled group is pruned as one, so it is one curve, named by its first parameter)
 * in the order every view lists groups, and one column per ratio that was asked for or
 * measured.
 */
import type { SensitivityResults } from '../../shared/results';
import { groupOrder, isMeasured, ratioKey } from '../../shared/results';

export interface PlotCell {
  readonly key: string;
  readonly ratio: number;
  /** The measured loss; undefined when the point is skipped or not measured yet. */
  readonly loss?: number;
  /** Why the point was skipped, when it was. */
  readonly skipped?: string;
}

export interface PlotRow {
  /** The group's first parameter, which names the row. */
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
  const rows = groupOrder(results).map((groupId): PlotRow => {
    const group = results.groups[groupId];
    const param = group?.params[0] ?? groupId;
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

/** How both panels name a row: its parameter, and what else the reader must know about it. */
export function rowLabel(row: PlotRow): string {
  if (!row.prunable) return `${row.param} (not prunable)`;
  return row.groupSize > 1 ? `${row.param} (group of ${row.groupSize})` : row.param;
}
