/**
 * The metric functions a sensitivity scan evaluates each pruned model with: a model in, one
 * number out (higher is better). The default runs ONNX Runtime over a whole dataset, one
 * session per model (each point's masked model has its own weights); TF.js can stand in.
 *
 * - `top1`: top-1 accuracy against the labels (PaddleSlim's tutorial metric).
 * - `agreement`: the share of images whose top-1 class matches the unpruned model's top-1
 *   class. It needs no labels, and for a sensitivity scan it asks the right question
 *   ("how much does pruning change what the model says?"): its baseline is 1.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { evaluate, tfjsPredictor, type Predictor } from '../eval/evaluate';
import { createOrtEvaluator, type OrtEvaluatorOptions } from '../eval/ortSession';
import type { ModelHandle, OpenPredictor } from '../models/modelHandle';
import type { MetricName } from '../../shared/results';
import { batches, checkDatasetFitsModel, requireLabels } from '../data/batches';
import { throwIfCancelled } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';

/** Evaluates a model; higher is better. */
export type MetricFn = (model: tf.LayersModel) => Promise<number>;

export interface MetricOptions extends OrtEvaluatorOptions, LongTaskOptions {
  readonly metric?: MetricName;
  /** ONNX Runtime (default) or TF.js on its current backend (slow; for parity checks). */
  readonly engine?: 'ort' | 'tfjs';
  /** Images per ONNX Runtime call (default 128). */
  readonly batchSize?: number;
}

/** Index of the largest logit of one row; ties go to the lower index and NaN never wins, as in labelRank. */
export function argmaxRow(logits: Float32Array, offset: number, classes: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let k = 0; k < classes; k++) {
    const v = logits[offset + k] as number;
    if (v > bestValue) {
      best = k;
      bestValue = v;
    }
  }
  return best;
}

/** The top-1 class `predict` gives every image of `dataset`, in order. */
export async function predictedClasses(predict: Predictor, dataset: ImageDataset, opts: Pick<MetricOptions, 'batchSize' | 'signal' | 'onProgress'> = {}): Promise<Int32Array> {
  const classes = new Int32Array(dataset.count);
  let done = 0;
  for (const batch of batches(dataset, { batchSize: opts.batchSize ?? 128, dropLast: false })) {
    throwIfCancelled(opts.signal);
    const logits = await predict(batch.images, batch.size);
    const perImage = logits.length / batch.size;
    for (let i = 0; i < batch.size; i++) classes[done + i] = argmaxRow(logits, i * perImage, perImage);
    done += batch.size;
    opts.onProgress?.({ stage: 'reference predictions', done, total: dataset.count });
  }
  return classes;
}

/** A predictor for a TF.js model on ONNX Runtime (exported) or TF.js itself. */
async function tfjsModelPredictor(model: tf.LayersModel, engine: 'ort' | 'tfjs', opts: OrtEvaluatorOptions): Promise<OpenPredictor> {
  if (engine === 'tfjs') return { predict: tfjsPredictor(model), release: () => Promise.resolve() };
  const evaluator = await createOrtEvaluator(model, opts);
  return { predict: (x, n) => evaluator.run(x, n), release: () => evaluator.release() };
}

/** Runs `fn` with an opened predictor, releasing it (an ONNX Runtime session) afterwards. */
async function withPredictor<T>(opened: Promise<OpenPredictor>, fn: (predict: Predictor) => Promise<T>): Promise<T> {
  const { predict, release } = await opened;
  try {
    return await fn(predict);
  } finally {
    await release();
  }
}

/**
 * The default metric function: the metric over all of `dataset`. For `agreement` the
 * reference predictions of `reference` (the unpruned model) are computed on first use,
 * once, so a scan with nothing left to compute pays nothing.
 */
export function datasetMetric(reference: tf.LayersModel, dataset: ImageDataset, opts: MetricOptions = {}): MetricFn {
  // Checked here, before the first batch, whoever opened the data: a mismatch would not fail
  // later, it would measure nonsense.
  checkDatasetFitsModel(dataset, reference.inputs[0]?.shape.slice(1) ?? [], reference.outputs[0]?.shape.at(-1) ?? dataset.numClasses);
  return metricOver(reference, dataset, opts, (model) => tfjsModelPredictor(model, opts.engine ?? 'ort', sessionOptions(opts)));
}

/** datasetMetric for a model of any format: the masked models it gets are handles too. */
export function handleMetric(reference: ModelHandle, dataset: ImageDataset, opts: MetricOptions = {}): (model: ModelHandle) => Promise<number> {
  const input = reference.input();
  checkDatasetFitsModel(dataset, [input.height, input.width, input.channels], input.numClasses);
  return metricOver(reference, dataset, opts, (model) => model.openPredictor(opts.engine ?? 'ort', sessionOptions(opts)));
}

/** The options that are ONNX Runtime's. */
function sessionOptions(opts: MetricOptions): OrtEvaluatorOptions {
  const { metric: _metric, engine: _engine, batchSize: _batchSize, signal: _signal, onProgress: _onProgress, ...ort } = opts;
  return ort;
}

function metricOver<M>(reference: M, dataset: ImageDataset, opts: MetricOptions, open: (model: M) => Promise<OpenPredictor>): (model: M) => Promise<number> {
  const { metric = 'top1', batchSize, signal, onProgress } = opts;
  const evalOptions = { ...(batchSize !== undefined ? { batchSize } : {}), ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) };
  let relabelled: Promise<ImageDataset> | undefined;
  const target = (): Promise<ImageDataset> => {
    if (metric === 'top1') {
      requireLabels(dataset, 'the top1 metric');
      return Promise.resolve(dataset);
    }
    relabelled ??= withPredictor(open(reference), (predict) => predictedClasses(predict, dataset, evalOptions)).then((labels) => ({
      ...dataset,
      source: `${dataset.source} (labels: the unpruned model's predictions)`,
      labels,
      unlabeled: false,
    }));
    // A failed or cancelled first try must not stick: the next call tries again.
    relabelled.catch(() => (relabelled = undefined));
    return relabelled;
  };
  return async (model) => {
    const data = await target();
    return withPredictor(open(model), async (predict) => (await evaluate(predict, data, evalOptions)).top1);
  };
}
