/**
 * Pieces several commands share: what a MODEL argument may be, the backend and evaluation
 * options, and opening datasets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendPreference } from '../core/backend';
import { loadDataset, type LoadDatasetOptions } from '../core/data/load';
import type { ImageDataset } from '../core/data/dataset';
import { createOrtEvaluator } from '../core/eval/ortSession';
import { evaluate, tfjsPredictor, type EvaluationResult } from '../core/eval/evaluate';
import { loadModel } from '../core/models/io';
import { buildModel, ZOO_NAMES, type ZooName } from '../core/models/zoo';
import { UsageError } from '../core/util/errors';
import type { ProgressCallback } from '../core/util/progress';
import { choice, int, str, type OptionSpec, type ParsedArgs } from './args';

export const MODEL_HELP = `MODEL is a model.json (or its folder) in the TF.js Layers format, or zoo:NAME to build a fresh one (${ZOO_NAMES.join(', ')})`;

export const BACKEND_OPTIONS: Record<string, OptionSpec> = {
  backend: { type: 'string', value: 'B', default: 'auto', help: 'TF.js backend: auto, native, wasm or cpu' },
  'tfjs-node': { type: 'string', value: 'DIR', help: 'where a user-installed @tensorflow/tfjs-node(-gpu) lives' },
};

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', value: 'SPEC', default: 'builtin', help: 'dataset: "builtin" (shipped MNIST digits) or a folder of MNIST-format IDX files' },
  'batch-size': { type: 'string', value: 'N', default: '128', help: 'batch size' },
};

export const EVAL_OPTIONS: Record<string, OptionSpec> = {
  engine: { type: 'string', value: 'E', default: 'ort', help: 'evaluation engine: ort (ONNX Runtime) or tfjs' },
  providers: { type: 'string', value: 'LIST', default: 'cpu', help: 'ONNX Runtime execution providers, comma-separated: cpu, cuda, webgpu' },
  threads: { type: 'string', value: 'N', help: 'ONNX Runtime intra-op threads (default: all cores)' },
};

export const ZOO_OPTIONS: Record<string, OptionSpec> = {
  'input-shape': { type: 'string', value: 'H,W,C', default: '28,28,1', help: 'input shape for zoo:NAME models' },
  classes: { type: 'string', value: 'N', default: '10', help: 'class count for zoo:NAME models' },
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

export async function openModel(spec: string, args: ParsedArgs): Promise<tf.LayersModel> {
  if (spec.startsWith('zoo:')) {
    const name = spec.slice(4);
    if (!(ZOO_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown zoo model "${name}" (known: ${ZOO_NAMES.join(', ')})`);
    return buildModel(name as ZooName, {
      inputShape: parseShape(str(args, 'input-shape') ?? '28,28,1'),
      numClasses: int(args, 'classes') ?? 10,
      seed: int(args, 'seed', 0) ?? 1,
    });
  }
  const file = fs.existsSync(spec) && fs.statSync(spec).isDirectory() ? path.join(spec, 'model.json') : spec;
  return loadModel(file);
}

export function openData(args: ParsedArgs, split: 'train' | 'test', model: tf.LayersModel, opts: LoadDatasetOptions = {}): ImageDataset {
  const classes = model.outputs[0]?.shape.at(-1) ?? 10;
  return loadDataset(str(args, 'data') ?? 'builtin', split, classes, opts);
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
