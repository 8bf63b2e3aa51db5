/**
 * The train job: train a fresh zoo model or fine-tune a saved one on a dataset's train
 * split, and save it to a new or empty folder (or, asked to overwrite, over the model files
 * of a folder that has some), never mixing with or replacing another model unasked.
 */
import * as path from 'node:path';
import { counted, formatPercent } from '../../shared/format';
import type * as tf from '@tensorflow/tfjs';
import type { JobResult, TrainJobSpec } from '../../shared/jobs';
import { DEFAULT_BATCH_SIZE } from '../../shared/vocabulary';
import { MODEL_JSON_NAME, saveModel } from '../models/io';
import { checkOutputFolder, writeOutputFolder } from '../util/outputFolder';
import { train, type EpochResult } from '../train/train';
import type { JobContext } from './context';
import { openData, openModel } from './open';

export interface TrainOutcome {
  readonly result: JobResult;
  readonly epochs: readonly EpochResult[];
  readonly model: tf.LayersModel;
}

/** The epoch line the CLI and the output channel print. */
export function epochLine(r: EpochResult): string {
  return `epoch ${r.epoch}: train top1 ${formatPercent(r.top1)}  top5 ${formatPercent(r.top5)}  loss ${r.loss.toFixed(4)}  (${r.images} images, ${(r.images / r.seconds).toFixed(0)} img/s)`;
}

const MODEL_FILES = 'model.json and weights.bin';

export async function trainJob(spec: TrainJobSpec, ctx: JobContext): Promise<TrainOutcome> {
  // Checked before training, so that a folder holding another model fails at once, and again when written.
  const overwrite = { overwrite: spec.overwrite === true, what: MODEL_FILES };
  await checkOutputFolder(spec.output, overwrite);
  const model = await openModel(spec);
  const data = await openData(spec.dataset, spec.datasetOptions, 'train', model, spec, { onProgress: (e) => ctx.events.progress(e), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const epochs = await train(model, data, {
    epochs: spec.epochs,
    batchSize: spec.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(spec.optimizer ? { optimizer: spec.optimizer } : {}),
    ...(spec.learningRate !== undefined ? { learningRate: spec.learningRate } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: (e) => ctx.events.progress(e),
  });
  const out = await checkOutputFolder(spec.output, overwrite);
  await writeOutputFolder(out, async (dir) => void (await saveModel(model, dir)), [MODEL_JSON_NAME], 'the trained model');
  const saved = { modelJson: path.join(out.dir, MODEL_JSON_NAME) };
  const last = epochs.at(-1);
  const figures = last ? `: train top-1 ${formatPercent(last.top1)}, loss ${last.loss.toFixed(4)}` : '';
  const result: JobResult = {
    summary: `trained ${counted(epochs.length, 'epoch')}${figures}; saved ${saved.modelJson}`,
    details: [...epochs.map(epochLine), `saved ${saved.modelJson}`],
    outputs: [saved.modelJson],
    ...(last ? { metrics: { top1: last.top1, top5: last.top5, loss: last.loss } } : {}),
  };
  return { result, epochs, model };
}
