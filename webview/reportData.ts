/**
 * What the report shows, taken out of a results file once per change of the file (not per
 * move of the threshold): a row per channel group with its points aligned to the ratio
 * columns, the layer each parameter belongs to, and the loss scale of the colours. Points
 * are per group, so a coupled group is one row listing its members.
 *
 * No DOM here: this is unit-tested in Node and benchmarked by bench/webviewRecompute.ts.
 */
import type { FlopsLayer } from '../src/shared/flops';
import { countsParams } from '../src/shared/flops';
import type { PointMessage } from '../src/shared/webviewMessages';
import { groupOrder, isMeasured, ratioKey, type SensitivityPoint, type SensitivityResults } from '../src/shared/results';

export interface ReportColumn {
  readonly key: string;
  readonly ratio: number;
}

export interface ReportRow {
  readonly group: string;
  /** Member parameters in network order; the first is the group's id. */
  readonly params: readonly string[];
  readonly channels: number;
  readonly prunable: boolean;
  readonly reason?: string;
  /** One entry per column: the point, or undefined when not measured (yet). */
  readonly cells: readonly (SensitivityPoint | undefined)[];
}

export interface ReportData {
  readonly results: SensitivityResults;
  readonly columns: readonly ReportColumn[];
  readonly rows: readonly ReportRow[];
  /** Parameter -> the FLOPs model's layer it is the kernel of. */
  readonly layerOfParam: ReadonlyMap<string, FlopsLayer>;
  /** The largest |loss| measured (at least 0.01): full colour on the heatmap. */
  readonly lossScale: number;
  /** Measured losses span [minLoss, maxLoss]; both 0 before the first point. */
  readonly minLoss: number;
  readonly maxLoss: number;
  /** Whether the file has a FLOPs model (a FLOPs target can be used) and it counts weights. */
  readonly hasFlops: boolean;
  readonly hasParams: boolean;
}

/** Every ratio asked for or measured, ascending. */
function columnsOf(results: SensitivityResults): ReportColumn[] {
  const keys = new Set(results.metadata.ratios.map(ratioKey));
  for (const table of Object.values(results.points)) for (const key of Object.keys(table)) keys.add(key);
  return [...keys].map((key) => ({ key, ratio: Number(key) })).sort((a, b) => a.ratio - b.ratio);
}

export function reportData(results: SensitivityResults): ReportData {
  const columns = columnsOf(results);
  let minLoss = 0;
  let maxLoss = 0;
  const rows = groupOrder(results).map((id): ReportRow => {
    const group = results.groups[id];
    const table = results.points[id] ?? {};
    const cells = columns.map((c) => table[c.key]);
    for (const p of cells) {
      if (p !== undefined && isMeasured(p)) {
        minLoss = Math.min(minLoss, p.loss);
        maxLoss = Math.max(maxLoss, p.loss);
      }
    }
    return {
      group: id,
      params: group?.params ?? [id],
      channels: group?.channels ?? 0,
      prunable: group?.prunable ?? true,
      ...(group?.reason !== undefined ? { reason: group.reason } : {}),
      cells,
    };
  });
  // Layers are named `<layer>` and their kernels `<layer>_weights` (src/core/models/summary.ts).
  const layerOfParam = new Map<string, FlopsLayer>();
  for (const layer of results.flops?.layers ?? []) layerOfParam.set(`${layer.name}_weights`, layer);
  return {
    results,
    columns,
    rows,
    layerOfParam,
    lossScale: Math.max(0.01, -minLoss, maxLoss),
    minLoss,
    maxLoss,
    hasFlops: results.flops !== undefined,
    hasParams: results.flops !== undefined && countsParams(results.flops),
  };
}

/**
 * The results with one more point, as a job reports it before the next read of the file;
 * undefined when the point belongs to a group the webview does not know yet (a new
 * parameter), which only a fresh read of the file can describe.
 */
export function withPoint(results: SensitivityResults, message: PointMessage): SensitivityResults | undefined {
  if (results.groups[message.group] === undefined) return undefined;
  const key = ratioKey(message.ratio);
  const ratios = results.metadata.ratios.some((r) => ratioKey(r) === key) ? results.metadata.ratios : [...results.metadata.ratios, Number(key)].sort((a, b) => a - b);
  return {
    ...results,
    metadata: { ...results.metadata, ratios },
    points: { ...results.points, [message.group]: { ...results.points[message.group], [key]: message.point } },
  };
}

/**
 * Where a ratio falls among the columns, in column units: column i's centre is i, ratio 0
 * is the left edge (-0.5), and a ratio between two columns is interpolated between their
 * centres (columns need not be evenly spaced). Past the last column it stays at its centre.
 */
export function columnPosition(ratio: number, columns: readonly ReportColumn[]): number {
  const first = columns[0];
  if (first === undefined || ratio <= 0) return -0.5;
  if (ratio <= first.ratio) return -0.5 + (0.5 * ratio) / first.ratio;
  for (let i = 1; i < columns.length; i++) {
    const lo = columns[i - 1] as ReportColumn;
    const hi = columns[i] as ReportColumn;
    if (ratio <= hi.ratio) return i - 1 + (ratio - lo.ratio) / (hi.ratio - lo.ratio);
  }
  return columns.length - 1;
}
