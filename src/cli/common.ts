/**
 * Pieces several commands share: what a MODEL argument may be, the backend and evaluation
 * options, and opening datasets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendPreference } from '../core/backend';
import { modelInputOf, openDataset } from '../core/data/load';
import type { ImageDataset } from '../core/data/dataset';
import { defaultCacheDir } from '../core/data/imageCache';
import { createOrtEvaluator } from '../core/eval/ortSession';
import { evaluate, tfjsPredictor, type EvaluationResult } from '../core/eval/evaluate';
import { readClassesFile } from '../core/data/imageFolder';
import { loadModel } from '../core/models/io';
import { buildModel, ZOO_NAMES, type ZooName } from '../core/models/zoo';
import { UsageError } from '../core/util/errors';
import type { ProgressCallback } from '../core/util/progress';
import { CHANNEL_ORDERS, SCALING_PRESETS, type PreprocessingRequest } from '../shared/preprocessing';
import { choice, int, str, type OptionSpec, type ParsedArgs } from './args';
import { progressBar } from './progressBar';

export const MODEL_HELP = `MODEL is a model.json (or its folder) in the TF.js Layers format, or zoo:NAME to build a fresh one (${ZOO_NAMES.join(', ')})`;

export const BACKEND_OPTIONS: Record<string, OptionSpec> = {
  backend: { type: 'string', value: 'B', default: 'auto', help: 'TF.js backend: auto, native, wasm or cpu' },
  'tfjs-node': { type: 'string', value: 'DIR', help: 'where a user-installed @tensorflow/tfjs-node(-gpu) lives' },
};

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  data: {
    type: 'string',
    value: 'SPEC',
    default: 'builtin',
    help: 'dataset: "builtin" (shipped MNIST digits), a folder of images (one subfolder per class; flat: unlabelled), a folder of MNIST-format IDX files, or a .npy/.npz file (docs/data.md)',
  },
  'batch-size': { type: 'string', value: 'N', default: '128', help: 'batch size' },
  preprocess: { type: 'string', value: 'P', help: `value scaling: ${SCALING_PRESETS.join(', ')} (default: the model folder's prunelens.json, else unit)` },
  mean: { type: 'string', value: 'LIST', help: 'custom scaling (p/255 - mean) / std: one mean, or one per channel, e.g. 0.485,0.456,0.406' },
  std: { type: 'string', value: 'LIST', help: 'custom scaling: one std, or one per channel, e.g. 0.229,0.224,0.225' },
  resize: { type: 'string', value: 'S', help: "resize images so the shorter side is S, then centre-crop to the model's input (default: just cover the input)" },
  channels: { type: 'string', value: 'C', help: `channel order: ${CHANNEL_ORDERS.join(', ')} (default: from the model's input)` },
  limit: { type: 'string', value: 'N', help: 'use a seeded, class-stratified sample of N images' },
  'cache-dir': { type: 'string', value: 'DIR', help: `where decoded images are cached (default: ${defaultCacheDir()})` },
};

export const EVAL_OPTIONS: Record<string, OptionSpec> = {
  engine: { type: 'string', value: 'E', default: 'ort', help: 'evaluation engine: ort (ONNX Runtime) or tfjs' },
  providers: { type: 'string', value: 'LIST', default: 'cpu', help: 'ONNX Runtime execution providers, comma-separated: cpu, cuda, webgpu' },
  threads: { type: 'string', value: 'N', help: 'ONNX Runtime intra-op threads (default: all cores)' },
};

export const ZOO_OPTIONS: Record<string, OptionSpec> = {
  'input-shape': { type: 'string', value: 'H,W,C', default: '28,28,1', help: 'input shape for zoo:NAME models' },
  classes: {
    type: 'string',
    value: 'N|FILE',
    help: "class count for zoo:NAME models (default 10), or a file of class names, one per line (line n = class n), that maps an image folder's subfolders to the model's classes (a zoo model then gets one class per line)",
  },
  seed: { type: 'string', value: 'N', default: '1', help: 'seed of weight initialisation and batch order' },
};

export async function useBackend(args: ParsedArgs, log: (line: string) => void): Promise<string> {
  const prefer = choice<BackendPreference>(args, 'backend', ['auto', 'native', 'wasm', 'cpu']) ?? 'auto';
  const tfjsNodePath = str(args, 'tfjs-node');
  const choiceMade = await selectBackend({ prefer, ...(tfjsNodePath ? { tfjsNodePath } : {}) });
  log(`backend: ${choiceMade.detail}`);
  return choiceMade.name;
}

function parseShape(text: string): [number, number, number] {
  const parts = text.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(`--input-shape must be three positive integers H,W,C, got "${text}"`);
  }
  return parts as [number, number, number];
}

/** A class-names file given with --classes, or undefined when --classes is a count (or absent). */
function classesFile(args: ParsedArgs): string | undefined {
  const v = str(args, 'classes');
  return v === undefined || /^\d+$/.test(v) ? undefined : v;
}

function zooClasses(args: ParsedArgs): number {
  const file = classesFile(args);
  if (file === undefined) return int(args, 'classes') ?? 10;
  if (!fs.existsSync(file)) throw new UsageError(`--classes must be a class count or a file of class names; ${file} is neither`);
  return readClassesFile(file).length;
}

function numberList(args: ParsedArgs, name: string): number[] | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const list = v.split(',').map((t) => Number(t.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n))) throw new UsageError(`--${name} must be numbers separated by commas, got "${v}"`);
  return list;
}

/** The preprocessing the options ask for (each part left out when not given). */
export function preprocessingRequest(args: ParsedArgs): PreprocessingRequest {
  const scaling = choice(args, 'preprocess', SCALING_PRESETS);
  const channels = choice(args, 'channels', CHANNEL_ORDERS);
  const resize = int(args, 'resize');
  const mean = numberList(args, 'mean');
  const std = numberList(args, 'std');
  return { ...(scaling ? { scaling } : {}), ...(channels ? { channels } : {}), ...(resize ? { resize } : {}), ...(mean ? { mean } : {}), ...(std ? { std } : {}) };
}

export async function openModel(spec: string, args: ParsedArgs): Promise<tf.LayersModel> {
  if (spec.startsWith('zoo:')) {
    const name = spec.slice(4);
    if (!(ZOO_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown zoo model "${name}" (known: ${ZOO_NAMES.join(', ')})`);
    return buildModel(name as ZooName, {
      inputShape: parseShape(str(args, 'input-shape') ?? '28,28,1'),
      numClasses: zooClasses(args),
      seed: int(args, 'seed', 0) ?? 1,
    });
  }
  const file = fs.existsSync(spec) && fs.statSync(spec).isDirectory() ? path.join(spec, 'model.json') : spec;
  return loadModel(file);
}

export interface OpenDataOptions {
  /** Accept images without labels (for label-free metrics). */
  readonly labelsOptional?: boolean;
  /** The MODEL argument: a model folder's prunelens.json states its preprocessing. */
  readonly modelSpec?: string;
  readonly signal?: AbortSignal;
}

/** The dataset the data options name, checked against the model; decoding shows a progress bar. */
export async function openData(args: ParsedArgs, split: 'train' | 'test', model: tf.LayersModel, opts: OpenDataOptions = {}): Promise<ImageDataset> {
  const spec = opts.modelSpec;
  const modelDir = spec === undefined || spec.startsWith('zoo:') ? undefined : fs.existsSync(spec) && fs.statSync(spec).isDirectory() ? spec : path.dirname(spec);
  const classes = classesFile(args);
  const limit = int(args, 'limit');
  const cacheDir = str(args, 'cache-dir');
  const bar = progressBar();
  try {
    return await openDataset(
      {
        data: str(args, 'data') ?? 'builtin',
        split,
        preprocessing: preprocessingRequest(args),
        ...(classes !== undefined ? { classesFile: classes } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(cacheDir !== undefined ? { cacheDir } : {}),
        ...(opts.labelsOptional ? { labelsOptional: true } : {}),
      },
      modelInputOf(model, modelDir),
      { onProgress: bar, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
  } finally {
    bar.finish();
  }
}

export async function evaluateWith(args: ParsedArgs, model: tf.LayersModel, data: ImageDataset, onProgress: ProgressCallback, signal?: AbortSignal): Promise<EvaluationResult> {
  const engine = choice(args, 'engine', ['ort', 'tfjs'] as const) ?? 'ort';
  const batchSize = int(args, 'batch-size') ?? 128;
  if (engine === 'tfjs') return evaluate(tfjsPredictor(model), data, { batchSize, onProgress, ...(signal ? { signal } : {}) });
  const providers = (str(args, 'providers') ?? 'cpu').split(',').map((p) => p.trim()).filter(Boolean);
  const threads = int(args, 'threads');
  const evaluator = await createOrtEvaluator(model, { providers, ...(threads ? { intraOpThreads: threads } : {}) });
  try {
    return await evaluate((x, n) => evaluator.run(x, n), data, { batchSize, onProgress, ...(signal ? { signal } : {}) });
  } finally {
    await evaluator.release();
  }
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
