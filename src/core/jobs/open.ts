/**
 * Turning a spec's model and dataset into a model and a dataset, the one way every job does
 * it: `zoo:NAME` builds a fresh zoo model (with the spec's zoo options); a model.json is a
 * TF.js Layers model and a .onnx file an ONNX model; a folder means the model.json in it,
 * else its one .onnx file. A results file records the model as an absolute path to that
 * file (or zoo:NAME). Every job gets a ModelHandle (src/core/models/modelHandle.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetOptions, ModelSource, RunEnv } from '../../shared/jobs';
import { isOneOf, ZOO_NAMES, ZOO_PREFIX, type Split } from '../../shared/vocabulary';
import { selectBackend } from '../backend';
import type { ImageDataset } from '../data/dataset';
import { openDataset } from '../data/load';
import { loadModel } from '../models/io';
import type { ModelHandle } from '../models/modelHandle';
import { tfjsModel } from '../models/tfjsModel';
import { buildModel } from '../models/zoo';
import { openOnnxModel } from '../onnx/onnxModel';
import { UsageError } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';

/** Whether a model file is an ONNX model (by its name). */
export function isOnnxFile(file: string): boolean {
  return /\.onnx$/i.test(file);
}

/** The model file in a folder: its model.json, else its one .onnx file (model.onnx among several). */
function modelFileIn(dir: string): string {
  const json = path.join(dir, 'model.json');
  if (fs.existsSync(json)) return json;
  const onnx = fs.readdirSync(dir).filter(isOnnxFile).sort();
  if (onnx.length === 1) return path.join(dir, onnx[0] as string);
  if (onnx.includes('model.onnx')) return path.join(dir, 'model.onnx');
  if (onnx.length > 1) throw new UsageError(`the folder holds several ONNX models (${onnx.join(', ')}); name the file`, dir);
  return json;
}

/** The model file for a model spec: a folder means the model in it; zoo:NAME stays as it is. */
export function modelFilePath(spec: string): string {
  if (spec.startsWith(ZOO_PREFIX)) return spec;
  return fs.existsSync(spec) && fs.statSync(spec).isDirectory() ? modelFileIn(spec) : spec;
}

/** A model path as results files and plans record it: the absolute path of its model file, or zoo:NAME. */
export function recordedModelPath(spec: string): string {
  return spec.startsWith(ZOO_PREFIX) ? spec : path.resolve(modelFilePath(spec));
}

export async function openModel(source: ModelSource): Promise<ModelHandle> {
  const spec = source.model;
  if (!spec.startsWith(ZOO_PREFIX)) {
    const file = modelFilePath(spec);
    const size = source.inputShape ? { inputShape: source.inputShape } : {};
    if (isOnnxFile(file)) return openOnnxModel(file, { ...size, allowNonfinite: source.allowNonfinite === true });
    return tfjsModel(await loadModel(file, { ...size, allowNonfinite: source.allowNonfinite === true }), file);
  }
  const name = spec.slice(ZOO_PREFIX.length);
  if (!isOneOf(ZOO_NAMES, name)) throw new UsageError(`unknown zoo model "${name}" (known: ${ZOO_NAMES.join(', ')})`);
  const zoo = source.zoo ?? {};
  const model = buildModel(name, {
    ...(zoo.inputShape ? { inputShape: [...zoo.inputShape] } : {}),
    ...(zoo.classes !== undefined ? { numClasses: zoo.classes } : {}),
    ...(zoo.seed !== undefined ? { seed: zoo.seed } : {}),
  });
  return tfjsModel(model);
}

/** The model of a spec that may leave it out (taken from a results file by then), or a UsageError. */
export function requireModel(source: Partial<ModelSource>, why: string): ModelSource {
  if (source.model === undefined) throw new UsageError(why);
  return {
    model: source.model,
    ...(source.zoo ? { zoo: source.zoo } : {}),
    ...(source.inputShape ? { inputShape: source.inputShape } : {}),
    ...(source.allowNonfinite ? { allowNonfinite: true } : {}),
  };
}

/** The folder of a model file (where its prunelens.json sits), or undefined for a zoo model. */
export function modelDirOf(model: string): string | undefined {
  return model.startsWith(ZOO_PREFIX) ? undefined : path.dirname(path.resolve(modelFilePath(model)));
}

export interface OpenDataOptions {
  /** Accept images without labels (for label-free metrics). */
  readonly labelsOptional?: boolean;
  readonly onProgress?: LongTaskOptions['onProgress'];
  readonly signal?: AbortSignal;
}

/**
 * The dataset a spec names, checked against the model; decoding an image folder into the
 * cache reports progress. The model folder's prunelens.json fills the preprocessing the
 * options leave out.
 */
export function openData(spec: string, options: DatasetOptions | undefined, split: Split, model: ModelHandle, source: ModelSource, opts: OpenDataOptions = {}): Promise<ImageDataset> {
  const modelDir = modelDirOf(source.model);
  return openDataset(
    { data: spec, split, ...(options ?? {}), ...(opts.labelsOptional ? { labelsOptional: true } : {}) },
    { ...model.input(), ...(modelDir !== undefined ? { modelDir } : {}) },
    { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) },
  );
}

/** Chooses the TF.js backend once per process, as the environment says; returns what was chosen, for the log. */
export async function useBackend(env: RunEnv): Promise<string> {
  const choice = await selectBackend({ prefer: env.backend ?? 'auto', ...(env.tfjsNodePath ? { tfjsNodePath: env.tfjsNodePath } : {}) });
  return choice.detail;
}
