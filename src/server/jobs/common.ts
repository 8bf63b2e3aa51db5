/**
 * What every worker task needs: a TF.js backend, a model from a path or the zoo, a dataset
 * from a spec, and the way specs and results files name them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../core/backend';
import type { ImageDataset } from '../../core/data/dataset';
import { modelInputOf, openDataset } from '../../core/data/load';
import { loadModel } from '../../core/models/io';
import { buildModel, isZooName } from '../../core/models/zoo';
import { UsageError } from '../../core/util/errors';
import type { WorkerEnv } from '../workerProtocol';

const ZOO_PREFIX = 'zoo:';

/** Picks the TF.js backend once per worker: a configured tfjs-node(-gpu), else wasm, else cpu. */
export async function useBackend(env: WorkerEnv): Promise<string> {
  const choice = await selectBackend({ prefer: 'auto', ...(env.tfjsNodePath ? { tfjsNodePath: env.tfjsNodePath } : {}) });
  return choice.detail;
}

/** A model.json path for a model spec: a folder means its model.json; zoo:NAME stays as it is. */
export function modelJsonPath(spec: string): string {
  if (spec.startsWith(ZOO_PREFIX)) return spec;
  return fs.existsSync(spec) && fs.statSync(spec).isDirectory() ? path.join(spec, 'model.json') : spec;
}

/** A model from a model.json (or its folder), or a fresh zoo:NAME model at 28x28x1, 10 classes. */
export async function openModel(spec: string): Promise<tf.LayersModel> {
  if (!spec.startsWith(ZOO_PREFIX)) return loadModel(modelJsonPath(spec));
  const name = spec.slice(ZOO_PREFIX.length);
  if (!isZooName(name)) throw new UsageError(`unknown zoo model "${name}"`);
  return buildModel(name);
}

/** The classes a model predicts (its output's last dimension). */
export function classesOf(model: tf.LayersModel): number {
  return model.outputs[0]?.shape.at(-1) ?? 10;
}

/** The dataset a spec names, with the preprocessing of the model folder's prunelens.json, if any. */
export function openData(spec: string, split: 'train' | 'test', model: tf.LayersModel, modelSpec?: string): Promise<ImageDataset> {
  const modelDir = modelSpec === undefined || modelSpec.startsWith(ZOO_PREFIX) ? undefined : path.dirname(modelJsonPath(modelSpec));
  return openDataset({ data: spec, split }, modelInputOf(model, modelDir));
}

/** A model path as results files record it: absolute, or zoo:NAME. */
export function recordedModelPath(spec: string): string {
  return spec.startsWith(ZOO_PREFIX) ? spec : path.resolve(modelJsonPath(spec));
}
