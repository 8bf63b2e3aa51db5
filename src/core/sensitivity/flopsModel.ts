/**
 * Builds the serialisable FLOPs model (src/shared/flops.ts) of a TF.js model from its MAC
 * summary (src/core/models/summary.ts, whose terms come from each class's registry entry)
 * and its dependency graph (src/core/pruning): for every layer with MACs, its MACs and
 * weights, which weight axes scale them and which groups those axes carry.
 * The graph says, index by index, which group each input and output channel follows, so
 * concatenations, Flatten and channels no group owns come out right without special cases.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AxisPart, FlopsLayer, FlopsModel, FlopsTerm } from '../../shared/flops';
import type { AxisRef } from '../layers/types';
import { isModelHandle, type ModelHandle } from '../models/modelHandle';
import { summarizeModel } from '../models/summary';
import type { ParamAxis } from '../pruning/graphInternals';
import type { DependencyGraph } from '../pruning/types';

/** The parts of one weight axis: how many indices follow each group, and how many none. */
function axisParts(axis: ParamAxis, groupIds: readonly string[]): AxisPart[] {
  const counts = new Map<number, number>();
  for (const g of axis.groupOf) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts].map(([g, count]) => {
    const group = groupIds[g];
    return g >= 0 && group !== undefined ? { group, count } : { count };
  });
}

/**
 * The FLOPs model of `model` (only conv and Dense MACs, as PaddleSlim's `flops()` counts
 * by default) with group ids from `graph`.
 */
export function buildFlopsModel(model: tf.LayersModel | ModelHandle, graph: DependencyGraph): FlopsModel {
  const groupIds = graph.groups.map((g) => g.id);
  const axes = new Map<string, ParamAxis>();
  for (const a of graph.paramAxes) axes.set(`${a.layer}/${a.weight}#${a.axis}`, a);
  /** One factor per axis a group runs through; an axis no group runs through (the image's channels) never scales anything. */
  const factors = (layer: string, refs: readonly AxisRef[]): AxisPart[][] =>
    refs.flatMap((r) => {
      const found = axes.get(`${layer}/${r.weight}#${r.axis}`);
      const parts = found === undefined ? [] : axisParts(found, groupIds);
      return parts.some((p) => p.group !== undefined) ? [parts] : [];
    });
  const layers: FlopsLayer[] = [];
  const summary = isModelHandle(model) ? model.summary({ onlyConv: true }) : summarizeModel(model, { onlyConv: true });
  for (const row of summary.layers) {
    if (row.macs <= 0) continue;
    const terms: FlopsTerm[] = row.terms.map((t) => ({ macs: t.macs, params: t.params, scaledBy: factors(row.name, t.scaledBy) }));
    layers.push({ name: row.name, className: row.className, terms });
  }
  const groups: Record<string, { channels: number }> = {};
  for (const g of graph.groups) groups[g.id] = { channels: g.channels };
  return { totalMacs: layers.reduce((n, l) => n + l.terms.reduce((m, t) => m + t.macs, 0), 0), groups, layers };
}
