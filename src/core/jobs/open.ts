/**
 * Turning a spec's model and dataset into a model and a dataset, the one way every job does
 * it: `zoo:NAME` builds a fresh zoo model (with the spec's zoo options), a folder means its
 * model.json; a results file records the model as an absolute model.json path (or zoo:NAME).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ModelSource, RunEnv } from '../../shared/jobs';
import { isOneOf, ZOO_NAMES, ZOO_PREFIX, type Split } from '../../shared/vocabulary';
import { selectBackend } from '../backend';
import type { ImageDataset } from '../data/dataset';
import { loadDataset, type LoadDatasetOptions } from '../data/load';
import { loadModel } from '../models/io';
import { buildModel } from '../models/zoo';
import { UsageError } from '../util/errors';

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
  if (!spec.startsWith(ZOO_PREFIX)) return loadModel(modelJsonPath(spec));
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
  return { model: source.model, ...(source.zoo ? { zoo: source.zoo } : {}) };
}

/** The classes a model predicts (its output's last dimension). */
export function classesOf(model: tf.LayersModel): number {
  return model.outputs[0]?.shape.at(-1) ?? 10;
}

export function openData(spec: string, split: Split, model: tf.LayersModel, opts: LoadDatasetOptions = {}): ImageDataset {
  return loadDataset(spec, split, classesOf(model), opts);
}

/** Chooses the TF.js backend once per process, as the environment says; returns what was chosen, for the log. */
export async function useBackend(env: RunEnv): Promise<string> {
  const choice = await selectBackend({ prefer: env.backend ?? 'auto', ...(env.tfjsNodePath ? { tfjsNodePath: env.tfjsNodePath } : {}) });
  return choice.detail;
}
