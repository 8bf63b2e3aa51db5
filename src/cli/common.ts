/**
 * Options several commands share, and turning them into the parts of a job spec: the
 * model (with zoo options), the run environment (backend, ONNX Runtime providers, threads).
 */
import type { ModelSource, RunEnv, ZooOptions } from '../shared/jobs';
import { BACKENDS, DEFAULT_BATCH_SIZE, EVAL_ENGINES, isOneOf, PROVIDERS, ZOO_NAMES, ZOO_PREFIX, type ProviderName } from '../shared/vocabulary';
import { UsageError } from '../core/util/errors';
import { choice, int, str, type OptionSpec, type ParsedArgs } from './args';

export const MODEL_HELP = `MODEL is a model.json (or its folder) in the TF.js Layers format, or zoo:NAME to build a fresh one (${ZOO_NAMES.join(', ')})`;

export const BACKEND_OPTIONS: Record<string, OptionSpec> = {
  backend: { type: 'string', value: 'B', default: 'auto', help: `TF.js backend: ${BACKENDS.join(', ')}` },
  'tfjs-node': { type: 'string', value: 'DIR', help: 'where a user-installed @tensorflow/tfjs-node(-gpu) lives' },
};

export const DATA_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', value: 'SPEC', default: 'builtin', help: 'dataset: "builtin" (shipped MNIST digits) or a folder of MNIST-format IDX files' },
  'batch-size': { type: 'string', value: 'N', default: String(DEFAULT_BATCH_SIZE), help: 'batch size' },
};

export const EVAL_OPTIONS: Record<string, OptionSpec> = {
  engine: { type: 'string', value: 'E', default: 'ort', help: `evaluation engine: ${EVAL_ENGINES.join(' (ONNX Runtime) or ')}` },
  providers: { type: 'string', value: 'LIST', default: 'cpu', help: `ONNX Runtime execution providers, comma-separated: ${PROVIDERS.join(', ')}` },
  threads: { type: 'string', value: 'N', help: 'ONNX Runtime intra-op threads (default: all cores)' },
};

export const ZOO_OPTIONS: Record<string, OptionSpec> = {
  'input-shape': { type: 'string', value: 'H,W,C', default: '28,28,1', help: 'input shape for zoo:NAME models' },
  classes: { type: 'string', value: 'N', default: '10', help: 'class count for zoo:NAME models' },
  seed: { type: 'string', value: 'N', default: '1', help: 'seed of weight initialisation and batch order' },
};

function parseShape(text: string): [number, number, number] {
  const parts = text.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(`--input-shape must be three positive integers H,W,C, got "${text}"`);
  }
  return parts as [number, number, number];
}

function zooOptions(args: ParsedArgs): ZooOptions {
  return { inputShape: parseShape(str(args, 'input-shape') ?? '28,28,1'), classes: int(args, 'classes') ?? 10, seed: int(args, 'seed', 0) ?? 1 };
}

/** The model a command names, with the zoo options when it is zoo:NAME. */
export function modelSource(model: string, args: ParsedArgs): ModelSource {
  return model.startsWith(ZOO_PREFIX) ? { model, zoo: zooOptions(args) } : { model };
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

export function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
