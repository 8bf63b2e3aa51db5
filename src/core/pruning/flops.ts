/**
 * FLOPs and parameters before and after pruning, per layer and in total. Both sides are
 * counted by summarizeModel (src/core/models/summary.ts), PaddleSlim's definition:
 * multiply-accumulates, conv `H_out * W_out * C_out * (kh * kw * C_in / groups + bias)`,
 * Dense `in * out`, convs and Dense only unless `onlyConv` is false.
 */
import type * as tf from '@tensorflow/tfjs';
import { summarizeModel, type ModelSummary, type SummaryOptions } from '../models/summary';

export interface LayerFlops {
  readonly layer: string;
  readonly className: string;
  /** The `_weights` parameter the MACs are reported under (PaddleSlim's detail=True key). */
  readonly param: string | undefined;
  readonly macsBefore: number;
  readonly macsAfter: number;
  readonly paramsBefore: number;
  readonly paramsAfter: number;
}

export interface FlopsTotals {
  readonly macs: number;
  readonly params: number;
}

export interface FlopsComparison {
  readonly onlyConv: boolean;
  readonly before: FlopsTotals;
  readonly after: FlopsTotals;
  /** Every layer of the original model, in network order. */
  readonly layers: readonly LayerFlops[];
}

/** MACs and parameters of `original` and of `pruned` (layers matched by name). */
export function compareFlops(original: tf.LayersModel, pruned: tf.LayersModel, opts: SummaryOptions = {}): FlopsComparison {
  return compareSummaries(summarizeModel(original, opts), summarizeModel(pruned, opts), opts);
}

/** The same comparison from the two models' summaries (a model of any format). */
export function compareSummaries(before: ModelSummary, after: ModelSummary, opts: SummaryOptions = {}): FlopsComparison {
  const afterByName = new Map(after.layers.map((l) => [l.name, l]));
  return {
    onlyConv: opts.onlyConv ?? true,
    before: { macs: before.totalMacs, params: before.totalParams },
    after: { macs: after.totalMacs, params: after.totalParams },
    layers: before.layers.map((l) => {
      const a = afterByName.get(l.name);
      return {
        layer: l.name,
        className: l.className,
        param: l.kernelParam,
        macsBefore: l.macs,
        macsAfter: a?.macs ?? 0,
        paramsBefore: l.params,
        paramsAfter: a?.params ?? 0,
      };
    }),
  };
}

/** The share of `before` that is gone in `after`, as a percentage with one decimal. */
export function reduction(before: number, after: number): string {
  return before > 0 ? `${((100 * (before - after)) / before).toFixed(1)}%` : '0.0%';
}

/** A text table of the layers whose MACs or parameters changed, and the totals. */
export function formatFlopsComparison(c: FlopsComparison, allLayers = false): string {
  const rows = c.layers
    .filter((l) => allLayers || l.macsBefore !== l.macsAfter || l.paramsBefore !== l.paramsAfter)
    .map((l) => [l.layer, l.className, String(l.macsBefore), String(l.macsAfter), String(l.paramsBefore), String(l.paramsAfter)]);
  const header = ['layer', 'class', 'MACs before', 'MACs after', 'params before', 'params after'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [
    line(header),
    ...rows.map(line),
    `total MACs ${c.before.macs} -> ${c.after.macs} (-${reduction(c.before.macs, c.after.macs)}), ` +
      `params ${c.before.params} -> ${c.after.params} (-${reduction(c.before.params, c.after.params)})`,
  ].join('\n');
}
