/**
 * Training and fine-tuning (the seed's steps 5 and 8.4): a plain loop over shuffled
 * batches with drop_last, so each step can report progress and honour cancellation, which
 * `model.fit` does not allow at batch granularity.
 */
import * as tf from '@tensorflow/tfjs';
import { batchCount, batches, checkDatasetFitsModel, requireLabels } from '../data/batches';
import { recalibrateBatchNorm } from './bnRecalibration';
import { checkTrainingMemory, trainingOutOfMemory } from './memory';
import { lossOf } from './lossOf';
import { fuseLayersForTraining } from './fusedLayers';
import { MomentumOptimizer } from './momentumOptimizer';
import type { ImageDataset } from '../data/dataset';
import { PruneLensError, throwIfCancelled } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';

export type { OptimizerName } from '../../shared/vocabulary';
import type { OptimizerName } from '../../shared/vocabulary';

export interface TrainOptions extends LongTaskOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly optimizer?: OptimizerName;
  /** Defaults: 0.001 for Adam, 0.01 for SGD with momentum. */
  readonly learningRate?: number;
  /** Momentum for the 'momentum' optimizer (default 0.9). */
  readonly momentum?: number;
  /** Seed of the batch order; epoch e uses seed + e. */
  readonly seed?: number;
  /**
   * Learning-rate schedule over all steps: 'cosine' (default) warms up linearly over the
   * first WARMUP_FRACTION of the steps, then decays to zero along a half cosine; 'constant'
   * keeps the rate fixed. A short run (the seed trains one epoch) gains most from the decay.
   */
  readonly schedule?: LrSchedule;
  /**
   * Forward passes in training mode after the last step that re-estimate the BatchNorm
   * moving statistics for the final weights (see bnRecalibration.ts). Default 20; 0 skips.
   */
  readonly recalibrationBatches?: number;
}

export type LrSchedule = 'cosine' | 'constant';

const WARMUP_FRACTION = 0.05;

/** The learning rate at `step` of `total` steps (0-based) under a schedule. */
export function scheduledRate(base: number, schedule: LrSchedule, step: number, total: number): number {
  if (schedule === 'constant' || total <= 1) return base;
  const warmup = Math.max(1, Math.round(total * WARMUP_FRACTION));
  if (step < warmup) return (base * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return base * 0.5 * (1 + Math.cos(Math.PI * progress));
}

export interface EpochResult {
  readonly epoch: number;
  /** Means over the epoch's batches, measured in training mode as the seed prints them. */
  readonly loss: number;
  readonly top1: number;
  readonly top5: number;
  readonly images: number;
  readonly seconds: number;
}

export const DEFAULT_OPTIMIZER: OptimizerName = 'momentum';

export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = { adam: 0.01, momentum: 0.1 };

interface ScheduledOptimizer {
  readonly optimizer: tf.Optimizer;
  setRate(rate: number): void;
}

function makeOptimizer(name: OptimizerName, rate: number, momentum: number): ScheduledOptimizer {
  if (name === 'adam') {
    const adam = tf.train.adam(rate);
    // Adam reads its public learningRate field at every step, so assigning it is enough.
    return { optimizer: adam, setRate: (r) => ((adam as unknown as { learningRate: number }).learningRate = r) };
  }
  if (name === 'momentum') {
    // tf.train.momentum's arithmetic, with one kernel per variable on wasm.
    const sgd = new MomentumOptimizer(rate, momentum);
    return { optimizer: sgd, setRate: (r) => sgd.setLearningRate(r) };
  }
  throw new PruneLensError(`unknown optimizer "${String(name)}" (known: adam, momentum)`);
}

/** Counts, in one batch, labels that are the top logit and labels among the top five. */
function hits(logits: tf.Tensor, labels: tf.Tensor1D): [tf.Scalar, tf.Scalar] {
  const k = Math.min(5, logits.shape[1] ?? 1);
  const { indices } = tf.topk(logits, k);
  const match = tf.equal(indices, labels.expandDims(1));
  const top1 = match.slice([0, 0], [-1, 1]).sum();
  const top5 = match.any(1).sum();
  return [top1 as tf.Scalar, top5 as tf.Scalar];
}

export async function train(model: tf.LayersModel, data: ImageDataset, opts: TrainOptions = {}): Promise<EpochResult[]> {
  const inputShape = model.inputs[0]?.shape ?? [];
  const numClasses = model.outputs[0]?.shape.at(-1) ?? 0;
  checkDatasetFitsModel(data, inputShape, numClasses);
  requireLabels(data, 'training');
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 128;
  checkTrainingMemory(model, batchSize, tf.getBackend());
  const steps = batchCount(data, { batchSize, dropLast: true });
  if (steps === 0) throw new PruneLensError(`has ${data.count} images, fewer than one batch of ${batchSize}`, data.source);
  const optimizerName = opts.optimizer ?? DEFAULT_OPTIMIZER;
  const baseRate = opts.learningRate ?? DEFAULT_LEARNING_RATE[optimizerName];
  const schedule = opts.schedule ?? 'cosine';
  const { optimizer, setRate } = makeOptimizer(optimizerName, baseRate, opts.momentum ?? 0.9);
  const lossFn = lossOf(model);
  const results: EpochResult[] = [];
  let globalStep = 0;
  // BatchNormalization and ReLU through the fused kernels where the backend has them (wasm).
  const unfuse = fuseLayersForTraining(model);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const start = performance.now();
      let loss = 0;
      let top1 = 0;
      let top5 = 0;
      let seen = 0;
      let step = 0;
      for (const batch of batches(data, { batchSize, dropLast: true, shuffleSeed: (opts.seed ?? 0) + epoch })) {
        throwIfCancelled(opts.signal);
        setRate(scheduledRate(baseRate, schedule, globalStep++, steps * epochs));
        const [h, w, c] = [data.height, data.width, data.channels];
        let logits: tf.Tensor | undefined;
        const figures = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [batch.size, h, w, c]);
          const y = tf.tensor1d(batch.labels, 'int32');
          const cost = optimizer.minimize(() => {
            // Kept past minimize's own scope so the accuracy below reuses this forward pass.
            logits = tf.keep(model.apply(x, { training: true }) as tf.Tensor);
            return lossFn(tf.oneHot(y, numClasses), logits);
          }, true);
          if (!cost || !logits) throw new Error('optimizer returned no cost');
          return tf.stack([cost, ...hits(logits, y).map((t) => t.toFloat())]);
        });
        (logits as tf.Tensor | undefined)?.dispose();
        const [l, t1, t5] = (await figures.data()) as Float32Array;
        figures.dispose();
        loss += (l as number) * batch.size;
        top1 += t1 as number;
        top5 += t5 as number;
        seen += batch.size;
        step++;
        opts.onProgress?.({
          stage: `train epoch ${epoch + 1}/${epochs}`,
          done: step,
          total: steps,
          metrics: { loss: loss / seen, top1: top1 / seen, top5: top5 / seen },
        });
      }
      results.push({ epoch: epoch + 1, loss: loss / seen, top1: top1 / seen, top5: top5 / seen, images: seen, seconds: (performance.now() - start) / 1000 });
    }
    await recalibrateBatchNorm(model, data, {
      batches: opts.recalibrationBatches ?? 20,
      batchSize,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    throw trainingOutOfMemory(err, model, batchSize);
  } finally {
    // After a wasm abort the backend is gone and disposing fails too; the first error is the one to tell.
    try {
      optimizer.dispose();
      unfuse();
    } catch {
      // Nothing more to free.
    }
  }
  return results;
}
