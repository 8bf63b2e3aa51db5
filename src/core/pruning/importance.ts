/**
 * Importance criteria: a score per channel of a group; the lowest scores are pruned.
 *
 * Each criterion scores the channels of every kernel that PRODUCES the group (the Conv2D
 * or Dense kernels whose output channels it is; PaddleSlim scores the parameter being
 * pruned, and in a plain chain that is the one producer). Depthwise convs, BNs and
 * consumers follow the choice and are not scored. When several kernels produce one group
 * (a residual Add), each kernel's scores are divided by their mean, so that a layer with
 * larger weights does not decide alone, and the normalised scores are summed per channel.
 *
 * - `l1_norm`: sum of |w| over the filter (PaddleSlim's default);
 * - `l2_norm`: sqrt of the sum of w^2 over the filter;
 * - `geometry_median` (FPGM): the sum of Euclidean distances from the filter to every
 *   other filter of the same kernel; the filters nearest the geometric median are the
 *   most replaceable and score lowest;
 * - `bn_scale`: |gamma| of the BatchNormalization that reads the kernel's output.
 */
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError } from '../util/errors';
import type { ParamAxis } from './graphInternals';
import type { Criterion, DependencyGraph, WeightReader } from './types';

/** The values of a TF.js layer's weight (`kernel`, `gamma`, ...) and its shape. */
function tfjsWeightValues(model: tf.LayersModel, layerName: string, weight: string): { values: Float32Array; shape: number[] } {
  const layer = model.getLayer(layerName);
  const variable = layer.weights.find((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1) === weight);
  if (variable === undefined) throw new PruneLensError(`layer '${layerName}' has no weight '${weight}'`);
  return { values: variable.read().dataSync() as Float32Array, shape: variable.shape.map((d) => d ?? 0) };
}

/** A reader of `model`'s weights: the model itself when it is one, else its TF.js weights. */
export function weightReaderOf(model: tf.LayersModel | WeightReader): WeightReader {
  if ('weightValues' in model) return model;
  return { name: model.name, weightValues: (layer, weight) => tfjsWeightValues(model, layer, weight) };
}

/** Filters of a kernel along `axis`, each as one flat vector (n filters x d values). */
function filters(values: Float32Array, shape: readonly number[], axis: number): Float64Array[] {
  const n = shape[axis] ?? 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const d = n === 0 ? 0 : values.length / n;
  const out = Array.from({ length: n }, () => new Float64Array(d));
  const filled = new Int32Array(n);
  for (let f = 0; f < values.length; f++) {
    const j = Math.floor(f / inner) % n;
    const row = out[j] as Float64Array;
    row[filled[j] as number] = values[f] as number;
    filled[j] = (filled[j] as number) + 1;
  }
  return out;
}

function l1(filter: Float64Array): number {
  let s = 0;
  for (const v of filter) s += Math.abs(v);
  return s;
}

function l2(filter: Float64Array): number {
  let s = 0;
  for (const v of filter) s += v * v;
  return Math.sqrt(s);
}

/** Sum of Euclidean distances from each filter to all the others. */
function distanceSums(rows: readonly Float64Array[]): Float64Array {
  const sums = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i] as Float64Array;
    for (let j = i + 1; j < rows.length; j++) {
      const b = rows[j] as Float64Array;
      let s = 0;
      for (let k = 0; k < a.length; k++) {
        const diff = (a[k] as number) - (b[k] as number);
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      sums[i] = (sums[i] as number) + dist;
      sums[j] = (sums[j] as number) + dist;
    }
  }
  return sums;
}

/** Per-index scores of one producing kernel along its output axis. */
export function kernelScores(values: Float32Array, shape: readonly number[], axis: number, criterion: Exclude<Criterion, 'bn_scale'>): Float64Array {
  const rows = filters(values, shape, axis);
  if (criterion === 'geometry_median') return distanceSums(rows);
  return Float64Array.from(rows, criterion === 'l1_norm' ? l1 : l2);
}

/** Scores of one producer, per index of its output axis, with the axis's group map. */
function producerScores(model: WeightReader, graph: DependencyGraph, producer: ParamAxis, criterion: Criterion): { scores: Float64Array; axis: ParamAxis } {
  if (criterion !== 'bn_scale') {
    const { values, shape } = model.weightValues(producer.layer, producer.weight);
    return { scores: kernelScores(values, shape, producer.axis, criterion), axis: producer };
  }
  const bn = graph.bnAfter.get(producer.layer);
  const gammaAxis = bn === undefined ? undefined : graph.paramAxes.find((a) => a.layer === bn.layer && a.weight === bn.scale);
  if (bn === undefined || gammaAxis === undefined) {
    throw new PruneLensError(
      `criterion bn_scale needs a BatchNormalization with a scale (gamma) right after layer '${producer.layer}' (${producer.layerClass}); ` +
        'use l1_norm, l2_norm or geometry_median for this group',
    );
  }
  const { values } = model.weightValues(bn.layer, bn.scale);
  return { scores: Float64Array.from(values, Math.abs), axis: gammaAxis };
}

/**
 * One score per channel of group `groupIndex` of `graph` (see the module comment for how
 * the producers' scores combine). Reads weights; changes nothing.
 */
export function groupImportance(model: tf.LayersModel | WeightReader, graph: DependencyGraph, groupIndex: number, criterion: Criterion): Float64Array {
  const reader = weightReaderOf(model);
  const group = graph.groups[groupIndex];
  if (group === undefined) throw new PruneLensError(`no group ${groupIndex} in model '${graph.modelName}'`);
  const total = new Float64Array(group.channels);
  const producers = graph.paramAxes.filter((a) => a.role === 'out' && a.kernel && a.groupOf.includes(groupIndex));
  for (const producer of producers) {
    const { scores, axis } = producerScores(reader, graph, producer, criterion);
    let sum = 0;
    let count = 0;
    axis.groupOf.forEach((g, i) => {
      if (g !== groupIndex) return;
      sum += scores[i] as number;
      count++;
    });
    const mean = count > 0 ? sum / count : 0;
    const scale = mean > 0 ? 1 / mean : 1;
    axis.groupOf.forEach((g, i) => {
      const channel = axis.channelOf[i] as number;
      if (g === groupIndex && channel >= 0) total[channel] = (total[channel] as number) + (scores[i] as number) * scale;
    });
  }
  return total;
}
