/**
 * Builds the serialisable FLOPs model (src/shared/flops.ts) of a TF.js model from its MAC
 * summary (src/core/models/summary.ts) and its dependency graph (src/core/pruning): for
 * every layer with MACs, its MACs and weights, which weight axes scale them and which
 * groups those axes carry.
 * The graph says, index by index, which group each input and output channel follows, so
 * concatenations, Flatten and channels no group owns come out right without special cases.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AxisPart, FlopsLayer, FlopsModel, FlopsTerm } from '../../shared/flops';
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

/** Kernel size x input channels per group: the MACs of one output value, bias aside. */
function perOutputMacs(layer: tf.layers.Layer): number {
  const kernel = layer.weights.find((w) => w.originalName.endsWith('/kernel'));
  const [kh, kw, cin] = (kernel?.shape ?? []).map((d) => d ?? 1);
  return (kh ?? 1) * (kw ?? 1) * (cin ?? 1);
}

function usesBias(layer: tf.layers.Layer): boolean {
  return layer.weights.some((w) => w.originalName.endsWith('/bias'));
}

/** Weights in the layer's kernel; the rest of its parameters are its bias. */
function kernelWeights(layer: tf.layers.Layer): number {
  const kernel = layer.weights.find((w) => /\/(depthwise_)?kernel$/.test(w.originalName));
  return (kernel?.shape ?? []).reduce<number>((n, d) => n * (d ?? 1), 1);
}

/**
 * The FLOPs model of `model` (only conv and Dense MACs, as PaddleSlim's `flops()` counts
 * by default) with group ids from `graph`.
 */
export function buildFlopsModel(model: tf.LayersModel, graph: DependencyGraph): FlopsModel {
  const groupIds = graph.groups.map((g) => g.id);
  const axes = new Map<string, ParamAxis>();
  for (const a of graph.paramAxes) axes.set(`${a.param}#${a.axis}`, a);
  const factor = (param: string, axis: number): AxisPart[][] => {
    const found = axes.get(`${param}#${axis}`);
    const parts = found === undefined ? [] : axisParts(found, groupIds);
    // An axis no group runs through (the image's channels) never scales anything.
    return parts.some((p) => p.group !== undefined) ? [parts] : [];
  };
  const layers: FlopsLayer[] = [];
  for (const row of summarizeModel(model, { onlyConv: true }).layers) {
    if (row.macs <= 0) continue;
    const kernel = row.kernelParam ?? '';
    let terms: FlopsTerm[];
    if (row.kernelParam === undefined) {
      // A nested model counted as one row: its MACs and weights stay in the total, unscaled.
      terms = [{ macs: row.macs, params: row.params, scaledBy: [] }];
    } else if (row.className === 'DepthwiseConv2D') {
      // Output channel c * m + j reads input channel c only: the group scales it once, and
      // its kernel and bias alike.
      terms = [{ macs: row.macs, params: row.params, scaledBy: factor(kernel, 2) }];
    } else if (row.className === 'Conv2D') {
      const layer = model.getLayer(row.name);
      const weights = kernelWeights(layer);
      // summary.ts counts H_out * W_out * C_out * (kh * kw * C_in + bias) per call, so the
      // bias share is exactly macs / (kh * kw * C_in + 1).
      const bias = usesBias(layer) ? row.macs / (perOutputMacs(layer) + 1) : 0;
      terms = [{ macs: row.macs - bias, params: weights, scaledBy: [...factor(kernel, 2), ...factor(kernel, 3)] }];
      if (bias > 0) terms.push({ macs: bias, params: row.params - weights, scaledBy: factor(kernel, 3) });
    } else {
      const weights = kernelWeights(model.getLayer(row.name));
      terms = [{ macs: row.macs, params: weights, scaledBy: [...factor(kernel, 0), ...factor(kernel, 1)] }];
      // A Dense bias costs no MACs (summary.ts leaves it out) but is pruned with the outputs.
      if (row.params > weights) terms.push({ macs: 0, params: row.params - weights, scaledBy: factor(kernel, 1) });
    }
    layers.push({ name: row.name, className: row.className, terms });
  }
  const groups: Record<string, { channels: number }> = {};
  for (const g of graph.groups) groups[g.id] = { channels: g.channels };
  return { totalMacs: layers.reduce((n, l) => n + l.terms.reduce((m, t) => m + t.macs, 0), 0), groups, layers };
}
