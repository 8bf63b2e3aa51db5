/**
 * Turning a spec's model and dataset into a model and a dataset, the one way every job does
 * it: `zoo:NAME` builds a fresh zoo model (with the spec's zoo options), a folder means its
 * model.json; a results file records the model as an absolute model.json path (or zoo:NAME).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { DatasetOptions, ModelSource, RunEnv } from '../../shared/jobs';
import { isOneOf, ZOO_NAMES, ZOO_PREFIX, type Split } from '../../shared/vocabulary';
import { selectBackend } from '../backend';
import type { ImageDataset } from '../data/dataset';
import { modelInputOf, openDataset } from '../data/load';
import { loadModel } from '../models/io';
import { buildModel } from '../models/zoo';
import { UsageError } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';

/** A model.json path for a model spec: a folder means its model.json; zoo:NAME stays as it is. */
export function modelJsonPath(spec: string): string {
  if (spec.startsWith(ZOO_PREFIX)) return spec;
  return fs.existsSync(spec) && fs.statSync(spec).isDirectory() ? path.join(spec, 'model.json') : spec;
}

/** A model path as results files and plans record it: the absolute model.json path, or zoo:NAME. */
export function recordedModelPath(spec: string): string {
  return spec.startsWith(ZOO_PREFIX) ? spec : path.resolve(modelJsonPath(spec));
}

export async function openModel(source: ModelSource): Promise<tf.LayersModel> {
  const spec = source.model;
  if (!spec.startsWith(ZOO_PREFIX)) return loadModel(modelJsonPath(spec), { ...(source.inputShape ? { inputShape: source.inputShape } : {}), allowNonfinite: source.allowNonfinite === true });
  const name = spec.slice(ZOO_PREFIX.length);
  if (!isOneOf(ZOO_NAMES, name)) throw new UsageError(`unknown zoo model "${name}" (known: ${ZOO_NAMES.join(', ')})`);
  const zoo = source.zoo ?? {};
  return buildModel(name, {
    ...(zoo.inputShape ? { inputShape: [...zoo.inputShape] } : {}),
    ...(zoo.classes !== undefined ? { numClasses: zoo.classes } : {}),
    ...(zoo.seed !== undefined ? { seed: zoo.seed } : {}),
  });
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

/** The shape of one input image of a model, [H, W, C] (null where the model leaves it open). */
export function modelInputShape(model: tf.LayersModel): readonly (number | null)[] {
  return (model.inputs[0]?.shape ?? []).slice(1);
}

/** The classes a model predicts (its output's last dimension). */
export function classesOf(model: tf.LayersModel): number {
  return model.outputs[0]?.shape.at(-1) ?? 10;
}

/** The folder of a model file (where its prunelens.json sits), or undefined for a zoo model. */
function modelDirOf(source: ModelSource): string | undefined {
  return source.model.startsWith(ZOO_PREFIX) ? undefined : path.dirname(path.resolve(modelJsonPath(source.model)));
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
export function openData(spec: string, options: DatasetOptions | undefined, split: Split, model: tf.LayersModel, source: ModelSource, opts: OpenDataOptions = {}): Promise<ImageDataset> {
  const modelDir = modelDirOf(source);
  return openDataset(
    { data: spec, split, ...(options ?? {}), ...(opts.labelsOptional ? { labelsOptional: true } : {}) },
    modelInputOf(model, modelDir),
    { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) },
  );
}

/** Chooses the TF.js backend once per process, as the environment says; returns what was chosen, for the log. */
export async function useBackend(env: RunEnv): Promise<string> {
  const choice = await selectBackend({ prefer: env.backend ?? 'auto', ...(env.tfjsNodePath ? { tfjsNodePath: env.tfjsNodePath } : {}) });
  return choice.detail;
}
