/**
 * Top-1 / top-5 accuracy of any predictor (ONNX Runtime or TF.js) over a whole dataset,
 * batch by batch, with progress and cancellation between batches.
 */
import * as tf from '@tensorflow/tfjs';
import { batchCount, batches, requireLabels } from '../data/batches';
import type { ImageDataset } from '../data/dataset';
import { PruneLensError, throwIfCancelled } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';

/** NHWC float32 images in (n of them), n x classes logits out. */
export type Predictor = (images: Float32Array, n: number) => Promise<Float32Array>;

export interface EvaluationResult {
  /** correct1 / count. */
  readonly top1: number;
  /** correct5 / count. */
  readonly top5: number;
  readonly count: number;
  readonly correct1: number;
  readonly correct5: number;
}

export interface EvaluateOptions extends LongTaskOptions {
  /** Images per predictor call (default 128). */
  readonly batchSize?: number;
  /** Skip a last, incomplete batch (default false: evaluation covers the whole set). */
  readonly dropLast?: boolean;
}

/**
 * How many classes rank strictly ahead of `label` in one row of logits: a higher logit, or
 * an equal logit at a lower class index (so ties are broken the same way every run, and
 * the way argmax breaks them). NaN ranks below every number; a NaN label logit never
 * counts as a hit, so a model that produces NaN scores 0 rather than 100%.
 */
export function labelRank(logits: Float32Array, offset: number, classes: number, label: number): number {
  const own = logits[offset + label] as number;
  if (Number.isNaN(own)) return Infinity;
  let ahead = 0;
  for (let k = 0; k < classes; k++) {
    const v = logits[offset + k] as number;
    if (v > own || (v === own && k < label)) ahead++;
  }
  return ahead;
}

export async function evaluate(predict: Predictor, dataset: ImageDataset, opts: EvaluateOptions = {}): Promise<EvaluationResult> {
  requireLabels(dataset, 'top-1/top-5 accuracy');
  const batchSize = opts.batchSize ?? 128;
  const dropLast = opts.dropLast ?? false;
  const total = dropLast ? batchCount(dataset, { batchSize, dropLast }) * batchSize : dataset.count;
  if (total === 0) throw new PruneLensError(`nothing to evaluate: ${dataset.count} images with batch size ${batchSize}${dropLast ? ' and dropLast' : ''}`, dataset.source);
  let count = 0;
  let correct1 = 0;
  let correct5 = 0;
  throwIfCancelled(opts.signal);
  for (const batch of batches(dataset, { batchSize, dropLast })) {
    const logits = await predict(batch.images, batch.size);
    throwIfCancelled(opts.signal);
    const classes = logits.length / batch.size;
    if (!Number.isInteger(classes) || classes < 1) {
      throw new PruneLensError(`the model returned ${logits.length} values for ${batch.size} images, not a whole number of classes`, dataset.source);
    }
    for (let i = 0; i < batch.size; i++) {
      const label = batch.labels[i] as number;
      if (label < 0 || label >= classes) {
        throw new PruneLensError(`label ${label} at index ${count + i} is out of range for a model with ${classes} classes`, dataset.source);
      }
      const rank = labelRank(logits, i * classes, classes, label);
      if (rank < 1) correct1++;
      if (rank < 5) correct5++;
    }
    count += batch.size;
    opts.onProgress?.({ stage: 'evaluate', done: count, total, metrics: { top1: correct1 / count, top5: correct5 / count } });
  }
  return { top1: correct1 / count, top5: correct5 / count, count, correct1, correct5 };
}

/** model.predict on the TF.js backend in use, on the same batches (the slow path, and parity checks). */
export function tfjsPredictor(model: tf.LayersModel): Predictor {
  const shape = model.inputs[0]?.shape.slice(1) ?? [];
  if (shape.some((d) => d === null)) throw new PruneLensError(`model "${model.name}" has an input of unknown size [${shape.join(', ')}]`);
  const perImage = (shape as number[]).reduce((a, b) => a * b, 1);
  return async (images, n) => {
    if (images.length < n * perImage) throw new PruneLensError(`expected ${n} images of ${shape.join(' x ')} (${n * perImage} values), got ${images.length} values`);
    const out = tf.tidy(() => {
      const x = tf.tensor(images.subarray(0, n * perImage), [n, ...(shape as number[])], 'float32');
      const y = model.predict(x, { batchSize: n });
      return Array.isArray(y) ? (y[0] as tf.Tensor) : y;
    });
    try {
      const data = await out.data();
      return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    } finally {
      out.dispose();
    }
  };
}
