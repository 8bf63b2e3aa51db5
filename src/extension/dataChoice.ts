/**
 * What the dataset step of the editor's wizards offers, without the editor: the kinds of
 * dataset, the preprocessing a model folder's prunelens.json states (read and checked as
 * the jobs read it), the scaling choices in the order the settings prefer, and the dataset
 * options a choice and the `prunelens.data.*` settings make. Kept free of `vscode` so that
 * it is tested as plain code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetOptions } from '../shared/jobs';
import { MODEL_CONFIG_FILE, parseModelConfig, SCALING_PRESETS, type PreprocessingRequest, type ScalingPreset } from '../shared/preprocessing';
import { ZOO_PREFIX } from '../shared/vocabulary';

/** The `prunelens.data.*` settings: the scaling the wizard offers first ("model": as prunelens.json says, else unit), and options every job gets. */
export interface DataSettings {
  readonly scaling: ScalingPreset | 'model';
  /** Shorter side before the centre crop; 0: just cover the model's input (or prunelens.json's). */
  readonly resize: number;
  /** A seeded, class-stratified sample of this many images; 0: every image. */
  readonly limit: number;
  /** Where decoded images are cached; empty: the user's cache folder. */
  readonly cacheDir: string;
}

export const DEFAULT_DATA_SETTINGS: DataSettings = { scaling: 'model', resize: 0, limit: 0, cacheDir: '' };

/** What each preset does to a pixel p in 0..255, and whose models expect it (docs/data.md). */
export const SCALING_DESCRIPTIONS: Readonly<Record<ScalingPreset, string>> = {
  unit: 'p / 255, in [0, 1]: TF.js models, Keras models trained on rescaled pixels',
  symmetric: 'p / 127.5 - 1, in [-1, 1]: Keras MobileNet, MobileNetV2, Inception, Xception',
  imagenet: 'torchvision mean/std on RGB: PyTorch models',
  caffe: 'BGR, ImageNet means subtracted: Keras ResNet50, VGG16, VGG19',
};

/** The folder whose prunelens.json states a model's preprocessing; undefined for a zoo model. */
export function modelFolder(model: string): string | undefined {
  if (model.startsWith(ZOO_PREFIX)) return undefined;
  if (/\.(json|onnx)$/i.test(model)) return path.dirname(model);
  return model;
}

/** A model folder's prunelens.json as the jobs will read it: absent, its request, or why it cannot be used. */
export type ModelPreprocessing = { readonly kind: 'none' } | { readonly kind: 'stated'; readonly file: string; readonly request: PreprocessingRequest } | { readonly kind: 'broken'; readonly file: string; readonly error: string };

export function modelPreprocessing(model: string): ModelPreprocessing {
  const folder = modelFolder(model);
  if (folder === undefined) return { kind: 'none' };
  const file = path.join(folder, MODEL_CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { kind: 'none' };
  }
  try {
    const request = parseModelConfig(JSON.parse(text)).preprocessing;
    return request === undefined ? { kind: 'none' } : { kind: 'stated', file, request };
  } catch (e) {
    return { kind: 'broken', file, error: e instanceof Error ? e.message : String(e) };
  }
}

/** "symmetric, resize 256, bgr": a request in the words of the CLI's options. */
export function describeRequest(r: PreprocessingRequest): string {
  const parts: string[] = [];
  if (r.scaling !== undefined) parts.push(r.scaling);
  if (r.mean !== undefined || r.std !== undefined) parts.push(`mean ${(r.mean ?? [0]).join(',')} std ${(r.std ?? [1]).join(',')}`);
  if (r.resize !== undefined) parts.push(`resize ${r.resize}`);
  if (r.channels !== undefined) parts.push(r.channels);
  return parts.length > 0 ? parts.join(', ') : 'nothing (the defaults)';
}

/** One scaling choice: as the model's prunelens.json says (`preset` absent), or a preset that replaces its scaling. */
export interface ScalingChoice {
  readonly label: string;
  readonly description: string;
  readonly preset?: ScalingPreset;
}

/**
 * The choices in the order to offer them: the settings' preference first (for "model": the
 * prunelens.json entry when the folder has one, else unit, which is what the jobs default to).
 */
export function scalingChoices(stated: ModelPreprocessing, preferred: DataSettings['scaling']): ScalingChoice[] {
  const presets = SCALING_PRESETS.map((p): ScalingChoice => ({ label: p, description: SCALING_DESCRIPTIONS[p], preset: p }));
  const fromFile: ScalingChoice[] = stated.kind === 'stated' ? [{ label: `As ${MODEL_CONFIG_FILE} says`, description: describeRequest(stated.request) }] : [];
  const first = preferred === 'model' ? (fromFile.length > 0 ? undefined : 'unit') : preferred;
  if (first === undefined) return [...fromFile, ...presets];
  const top = presets.filter((c) => c.preset === first);
  return [...top, ...fromFile, ...presets.filter((c) => c.preset !== first)];
}

/** The dataset options a scaling choice and the settings make (nothing for the built-in digits, whose scaling is fixed). */
export function datasetOptionsOf(choice: ScalingChoice | undefined, settings: DataSettings): DatasetOptions | undefined {
  const preprocessing: PreprocessingRequest = {
    ...(choice?.preset !== undefined ? { scaling: choice.preset } : {}),
    ...(settings.resize > 0 ? { resize: settings.resize } : {}),
  };
  const options: DatasetOptions = {
    ...(Object.keys(preprocessing).length > 0 ? { preprocessing } : {}),
    ...(settings.limit > 0 ? { limit: settings.limit } : {}),
    ...(settings.cacheDir !== '' ? { cacheDir: settings.cacheDir } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}
