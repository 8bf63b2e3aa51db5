/**
 * The train job: train a fresh zoo model or fine-tune a saved one on a dataset's train
 * split, and save it in the format it came in, to a new or empty folder (or, asked to
 * overwrite, over the model files of a folder that has some), never mixing with or replacing
 * another model unasked. Training runs on TF.js: an ONNX model is imported (NCHW weights to
 * NHWC), trained, and its trained weights written back into the ONNX graph, which keeps the
 * source's interface and names. The preprocessing it was trained with goes beside it in a
 * prunelens.json (modelConfigOut.ts).
 */
import * as path from 'node:path';
import { counted, formatPercent } from '../../shared/format';
import type { JobResult, TrainJobSpec } from '../../shared/jobs';
import { DEFAULT_BATCH_SIZE, ZOO_PREFIX } from '../../shared/vocabulary';
import type { ModelHandle } from '../models/modelHandle';
import { checkOutputFolder, writeOutputFolder } from '../util/outputFolder';
import { train, type EpochResult } from '../train/train';
import type { JobContext } from './context';
import { writeModelConfig, writtenPreprocessing } from './modelConfigOut';
import { isOnnxFile, modelFilePath, openData, openModel } from './open';

export interface TrainOutcome {
  readonly result: JobResult;
  readonly epochs: readonly EpochResult[];
  /** The trained model, in its own format. */
  readonly model: ModelHandle;
}

/** The epoch line the CLI and the output channel print. */
export function epochLine(r: EpochResult): string {
  return `epoch ${r.epoch}: train top1 ${formatPercent(r.top1)}  top5 ${formatPercent(r.top5)}  loss ${r.loss.toFixed(4)}  (${r.images} images, ${(r.images / r.seconds).toFixed(0)} img/s)`;
}

/** The files a trained model replaces in a folder it overwrites, as messages name them. */
function modelFilesOf(spec: TrainJobSpec): string {
  return !spec.model.startsWith(ZOO_PREFIX) && isOnnxFile(modelFilePath(spec.model)) ? 'the .onnx file' : 'model.json and weights.bin';
}

export async function trainJob(spec: TrainJobSpec, ctx: JobContext): Promise<TrainOutcome> {
  // Checked before training, so that a folder holding another model fails at once, and again when written.
  const overwrite = { overwrite: spec.overwrite === true, what: modelFilesOf(spec) };
  await checkOutputFolder(spec.output, overwrite);
  const source = await openModel(spec);
  const stated = writtenPreprocessing(spec.model, spec.datasetOptions?.preprocessing);
  const data = await openData(spec.dataset, spec.datasetOptions, 'train', source, spec, { onProgress: (e) => ctx.events.progress(e), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const { model, back } = await source.trainable();
  const epochs = await train(model, data, {
    epochs: spec.epochs,
    batchSize: spec.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(spec.optimizer ? { optimizer: spec.optimizer } : {}),
    ...(spec.learningRate !== undefined ? { learningRate: spec.learningRate } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: (e) => ctx.events.progress(e),
  });
  const trained = back(model);
  const out = await checkOutputFolder(spec.output, overwrite);
  let written = '';
  const fill = async (dir: string): Promise<void> => {
    written = path.basename((await trained.save(dir)).file);
    await writeModelConfig(dir, stated);
  };
  await writeOutputFolder(out, fill, () => [written], 'the trained model');
  const saved = { file: path.join(out.dir, written) };
  const last = epochs.at(-1);
  const figures = last ? `: train top-1 ${formatPercent(last.top1)}, loss ${last.loss.toFixed(4)}` : '';
  const result: JobResult = {
    summary: `trained ${counted(epochs.length, 'epoch')}${figures}; saved ${saved.file}`,
    details: [...epochs.map(epochLine), `saved ${saved.file}`],
    outputs: [saved.file],
    ...(last ? { metrics: { top1: last.top1, top5: last.top5, loss: last.loss } } : {}),
  };
  return { result, epochs, model: trained };
}
