/**
 * BatchNorm re-estimation: after the last weight update, run forward passes in training
 * mode (no gradients, no weight change) and set each BN layer's moving mean and variance to
 * the plain average of the batch statistics those passes saw, so that they describe the
 * final weights. During a short run the moving averages trail weights that change fast; on
 * one MNIST epoch this re-estimation raised inference top-1 by 1 to 3 points.
 *
 * Why an average and not the layer's own moving average: with Keras's default momentum
 * (0.99) twenty passes would leave 82% of the stale statistics in place, and even the zoo's
 * 0.9 leaves 39% after the 9 batches of a 1,200-image training set. The layer's own
 * training-mode call still does the computing (the fused kernels included): each pass
 * starts from zeroed moving statistics, so what the call writes back is (1 - momentum)
 * times the batch's statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { batchCount, batches } from '../data/batches';
import { layerClass } from '../layers/registry';
import type { ImageDataset } from '../data/dataset';
import { throwIfCancelled } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';

export interface RecalibrationOptions extends LongTaskOptions {
  /** Forward passes to average over (at most the training set's full batches). */
  readonly batches?: number;
  readonly batchSize?: number;
  readonly seed?: number;
}

export function hasBatchNorm(model: tf.LayersModel): boolean {
  return model.layers.some((l) => layerClass(l.getClassName())?.normalizes !== undefined);
}

/** One moving statistic of one layer, and the sum of the batch statistics seen so far. */
interface Statistic {
  readonly variable: tf.LayerVariable;
  readonly original: tf.Tensor;
  readonly sum: Float64Array;
  /** 1 - momentum: the share of a batch's statistic in what one training call writes. */
  readonly share: number;
}

/** The moving statistics of every normalising layer that updates them in training mode. */
function movingStatistics(model: tf.LayersModel): Statistic[] {
  const stats: Statistic[] = [];
  for (const layer of model.layers) {
    if (layerClass(layer.getClassName())?.normalizes === undefined) continue;
    const momentum = (layer.getConfig() as { momentum?: number }).momentum;
    // A momentum of 1 never updates: such a layer's statistics are frozen on purpose.
    if (momentum === undefined || !(momentum < 1)) continue;
    for (const w of layer.weights) {
      if (!/(^|\/)moving_(mean|variance)$/.test(w.originalName)) continue;
      const original = tf.keep(w.read().clone());
      stats.push({ variable: w, original, sum: new Float64Array(original.size), share: 1 - momentum });
    }
  }
  return stats;
}

/** Writes `value` into the variable, which keeps its own reference, and frees ours. */
function writeOwned(variable: tf.LayerVariable, value: tf.Tensor): void {
  variable.write(value);
  value.dispose();
}

export async function recalibrateBatchNorm(model: tf.LayersModel, data: ImageDataset, opts: RecalibrationOptions = {}): Promise<number> {
  if (!hasBatchNorm(model)) return 0;
  const batchSize = opts.batchSize ?? 128;
  const wanted = Math.min(opts.batches ?? 20, batchCount(data, { batchSize, dropLast: true }));
  const stats = movingStatistics(model);
  // Layers whose training call left the zeros in place do not update (e.g. frozen ones).
  const updates = stats.map(() => false);
  let done = 0;
  try {
    for (const batch of batches(data, { batchSize, dropLast: true, shuffleSeed: (opts.seed ?? 0) + 7919 })) {
      if (done >= wanted) break;
      throwIfCancelled(opts.signal);
      for (const s of stats) writeOwned(s.variable, tf.zerosLike(s.original));
      tf.tidy(() => {
        model.apply(tf.tensor4d(batch.images, [batch.size, data.height, data.width, data.channels]), { training: true });
      });
      stats.forEach((s, i) => {
        const written = s.variable.read().dataSync();
        for (let c = 0; c < written.length; c++) {
          const v = written[c] as number;
          if (v !== 0) updates[i] = true;
          (s.sum as Float64Array)[c] = (s.sum[c] as number) + v / s.share;
        }
      });
      done++;
      opts.onProgress?.({ stage: 'recalibrate batch norm', done, total: wanted });
      // Let progress and cancellation messages through between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // Cancelled or failed part way, or a layer that never updated: its statistics as they were.
    const complete = done === wanted && done > 0;
    stats.forEach((s, i) => {
      const average = complete && updates[i] ? tf.tensor(Float32Array.from(s.sum, (v) => v / done), s.original.shape) : undefined;
      writeOwned(s.variable, average ?? s.original);
      if (average) s.original.dispose();
    });
  }
  return done;
}
