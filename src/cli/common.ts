/**
 * Options several commands share, and turning them into the parts of a job spec: the
 * model (with zoo options), the run environment (backend, ONNX Runtime providers, threads).
 */
import * as fs from 'node:fs';
import { defaultCacheDir } from '../core/data/imageCache';
import { readClassesFile } from '../core/data/imageFolder';
import type { DatasetOptions, ModelSource, RunEnv, ZooOptions } from '../shared/jobs';
import { CHANNEL_ORDERS, SCALING_PRESETS, type PreprocessingRequest } from '../shared/preprocessing';
import { BACKENDS, DEFAULT_BATCH_SIZE, EVAL_ENGINES, isOneOf, PROVIDERS, ZOO_NAMES, ZOO_PREFIX, type ProviderName } from '../shared/vocabulary';
import { UsageError } from '../core/util/errors';
import { choice, int, str, type OptionSpec, type ParsedArgs } from './args';

export const MODEL_HELP = `MODEL is a model.json (or its folder) in the TF.js Layers format, a model.onnx (or a folder holding one), or zoo:NAME to build a fresh one (${ZOO_NAMES.join(', ')})`;

export const BACKEND_OPTIONS: Record<string, OptionSpec> = {
  backend: { type: 'string', value: 'B', default: 'auto', help: `TF.js backend: ${BACKENDS.join(', ')}` },
  'tfjs-node': { type: 'string', value: 'DIR', help: 'where a user-installed @tensorflow/tfjs-node(-gpu) lives' },
};

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  data: {
    type: 'string',
    value: 'SPEC',
    default: 'builtin',
    help: 'dataset: "builtin" (shipped MNIST digits), a folder of images (one subfolder per class; flat: unlabelled), a folder of MNIST-format IDX files, or a .npy/.npz file (docs/data.md)',
  },
  'batch-size': { type: 'string', value: 'N', default: String(DEFAULT_BATCH_SIZE), help: 'batch size' },
  preprocess: { type: 'string', value: 'P', help: `value scaling: ${SCALING_PRESETS.join(', ')} (default: the model folder's prunelens.json, else unit)` },
  mean: { type: 'string', value: 'LIST', help: 'custom scaling (p/255 - mean) / std: one mean, or one per channel, e.g. 0.485,0.456,0.406' },
  std: { type: 'string', value: 'LIST', help: 'custom scaling: one std, or one per channel, e.g. 0.229,0.224,0.225' },
  resize: { type: 'string', value: 'S', help: "resize images so the shorter side is S, then centre-crop to the model's input (default: just cover the input)" },
  channels: { type: 'string', value: 'C', help: `channel order: ${CHANNEL_ORDERS.join(', ')} (default: from the model's input)` },
  limit: { type: 'string', value: 'N', help: 'use a seeded, class-stratified sample of N images' },
  'cache-dir': { type: 'string', value: 'DIR', help: `where decoded images are cached (default: ${defaultCacheDir()})` },
};

export const EVAL_OPTIONS: Record<string, OptionSpec> = {
  engine: { type: 'string', value: 'E', default: 'ort', help: `evaluation engine: ${EVAL_ENGINES.join(' (ONNX Runtime) or ')}` },
  providers: { type: 'string', value: 'LIST', default: 'cpu', help: `ONNX Runtime execution providers, comma-separated: ${PROVIDERS.join(', ')}` },
  threads: { type: 'string', value: 'N', help: 'ONNX Runtime intra-op threads (default: all cores)' },
};

/** For commands that write a results file, which one writer at a time may do. */
export const LOCK_OPTIONS: Record<string, OptionSpec> = {
  'no-wait': { type: 'boolean', help: 'when another process is writing the results file, exit 1 at once naming it, instead of waiting for it to finish' },
};

/** Whether to wait for another writer of the results file (see LOCK_OPTIONS). */
export function lockEnv(args: ParsedArgs): Pick<RunEnv, 'lock'> {
  return { lock: { wait: args.values['no-wait'] !== true } };
}

export const ZOO_OPTIONS: Record<string, OptionSpec> = {
  'input-shape': { type: 'string', value: 'H,W,C', help: 'input shape for zoo:NAME models (default 28,28,1), or the size to build a model file whose input size is open' },
  classes: {
    type: 'string',
    value: 'N|FILE',
    help: "class count for zoo:NAME models (default 10), or a file of class names, one per line (line n = class n), that maps an image folder's subfolders to the model's classes (a zoo model then gets one class per line)",
  },
  seed: { type: 'string', value: 'N', default: '1', help: 'seed of weight initialisation and batch order' },
};

/** Options of every command that loads a model. */
export const MODEL_OPTIONS: Record<string, OptionSpec> = {
  ...ZOO_OPTIONS,
  'allow-nonfinite': { type: 'boolean', help: 'load a model whose weights hold NaN or infinite values (refused by default, naming the tensors)' },
};

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

function zooOptions(args: ParsedArgs): ZooOptions {
  return { inputShape: parseShape(str(args, 'input-shape') ?? '28,28,1'), classes: zooClasses(args), seed: int(args, 'seed', 0) ?? 1 };
}

function numberList(args: ParsedArgs, name: string): number[] | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const list = v.split(',').map((t) => Number(t.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n))) throw new UsageError(`--${name} must be numbers separated by commas, got "${v}"`);
  return list;
}

/** The preprocessing the options ask for (each part left out when not given). */
function preprocessingRequest(args: ParsedArgs): PreprocessingRequest {
  const scaling = choice(args, 'preprocess', SCALING_PRESETS);
  const channels = choice(args, 'channels', CHANNEL_ORDERS);
  const resize = int(args, 'resize');
  const mean = numberList(args, 'mean');
  const std = numberList(args, 'std');
  return { ...(scaling ? { scaling } : {}), ...(channels ? { channels } : {}), ...(resize ? { resize } : {}), ...(mean ? { mean } : {}), ...(std ? { std } : {}) };
}

/** The dataset and how to read it, as the data options say. */
export function datasetOf(args: ParsedArgs): { dataset: string; datasetOptions: DatasetOptions } {
  const classes = classesFile(args);
  const limit = int(args, 'limit');
  const cacheDir = str(args, 'cache-dir');
  return {
    dataset: str(args, 'data') ?? 'builtin',
    datasetOptions: {
      preprocessing: preprocessingRequest(args),
      ...(classes !== undefined ? { classesFile: classes } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(cacheDir !== undefined ? { cacheDir } : {}),
    },
  };
}

/** The model a command names, with the zoo options when it is zoo:NAME (else the input size, when given). */
export function modelSource(model: string, args: ParsedArgs): ModelSource {
  const allow = args.values['allow-nonfinite'] === true ? { allowNonfinite: true } : {};
  if (model.startsWith(ZOO_PREFIX)) return { model, zoo: zooOptions(args), ...allow };
  const shape = str(args, 'input-shape');
  return shape === undefined ? { model, ...allow } : { model, inputShape: parseShape(shape), ...allow };
}

function providersOf(args: ParsedArgs): ProviderName[] | undefined {
  const text = str(args, 'providers');
  if (text === undefined) return undefined;
  const names = text.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = names.find((p) => !isOneOf(PROVIDERS, p));
  if (bad !== undefined) throw new UsageError(`--providers: unknown provider "${bad}" (known: ${PROVIDERS.join(', ')})`);
  return names as ProviderName[];
}

/** The run environment the command's options describe. */
export function runEnv(args: ParsedArgs): RunEnv {
  const providers = providersOf(args);
  const threads = int(args, 'threads');
  const tfjsNodePath = str(args, 'tfjs-node');
  const backend = choice(args, 'backend', BACKENDS);
  return {
    ...(providers ? { providers } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(backend ? { backend } : {}),
    ...(tfjsNodePath ? { tfjsNodePath } : {}),
  };
}

export { formatPercent as pct } from '../shared/format';
