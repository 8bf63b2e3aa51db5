/**
 * Checks a TF.js Layers `model.json` before anything is allocated from it. The file may
 * come from anywhere, so everything it declares is checked: the topology is present,
 * weight files stay inside the model's folder, dtypes are ones we decode, and shapes are
 * sane, so that a hostile or truncated file fails with a message instead of reading
 * /etc/passwd or allocating gigabytes.
 */
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError } from '../util/errors';

/** Bytes per element of the dtypes PruneLens decodes (Layers models store float32). */
export const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4 };

/** Largest tensor we accept: 2^28 elements is 1 GiB of float32, far above any CNN kernel. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

export interface CheckedWeightGroup {
  /** Weight files in the order their bytes concatenate, as absolute paths. */
  readonly files: readonly string[];
  readonly specs: readonly tf.io.WeightsManifestEntry[];
  /** Bytes the specs need; the files together must hold exactly this many. */
  readonly byteLength: number;
}

export interface CheckedModelJson {
  readonly modelTopology: object;
  readonly format: string | undefined;
  readonly generatedBy: string | undefined;
  readonly convertedBy: string | undefined;
  readonly trainingConfig: tf.io.TrainingConfig | undefined;
  readonly userDefinedMetadata: tf.io.ModelArtifacts['userDefinedMetadata'];
  readonly groups: readonly CheckedWeightGroup[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Resolves a manifest path against the model's folder, refusing anything outside it. */
export function resolveWeightPath(modelDir: string, relPath: string, file: string): string {
  if (relPath.length === 0) throw new PruneLensError('weightsManifest has an empty weight path', file);
  if (/^[a-z][a-z0-9+.-]*:/i.test(relPath) && !path.isAbsolute(relPath)) {
    throw new PruneLensError(`weight path '${relPath}' is a URL; PruneLens reads weight files from the model's folder only`, file);
  }
  const resolved = path.resolve(modelDir, relPath);
  const relative = path.relative(modelDir, resolved);
  if (path.isAbsolute(relPath) || relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new PruneLensError(`weight path '${relPath}' points outside the model's folder ${modelDir}; refused`, file);
  }
  return resolved;
}

/** Element count of a declared shape, refusing malformed and absurd ones. */
function checkedElementCount(spec: Record<string, unknown>, name: string, file: string): number {
  const shape = spec['shape'];
  if (!Array.isArray(shape)) throw new PruneLensError(`weight '${name}' has no shape array`, file);
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new PruneLensError(`weight '${name}' has shape ${JSON.stringify(shape)}; dimensions must be non-negative integers`, file);
    }
    count *= d;
    // Checked inside the loop so that a long list of huge dimensions cannot overflow
    // past the limit to Infinity before it is noticed.
    if (count > MAX_TENSOR_ELEMENTS) {
      throw new PruneLensError(
        `weight '${name}' declares shape ${JSON.stringify(shape)}, more than ${MAX_TENSOR_ELEMENTS} elements; refused`,
        file,
      );
    }
  }
  return count;
}

/** Bytes per stored value of each quantization the TF.js converter writes. */
const QUANTIZED_BYTES: Readonly<Record<QuantizationDtype, number>> = { uint8: 1, uint16: 2, float16: 2 };

export type QuantizationDtype = 'uint8' | 'uint16' | 'float16';
export type Quantization = NonNullable<tf.io.WeightsManifestEntry['quantization']>;

/**
 * A weight's `quantization` as `tensorflowjs_converter --quantize_uint8/uint16/float16`
 * writes it; TF.js's own decoder then reads the values (value = q * scale + min, or a half
 * float), exactly as stock TF.js does.
 */
function checkQuantization(raw: unknown, name: string, dtype: string, file: string): Quantization {
  const q = isObject(raw) ? raw : {};
  const kind = q['dtype'];
  if (kind !== 'uint8' && kind !== 'uint16' && kind !== 'float16') {
    throw new PruneLensError(`weight '${name}' has quantization ${JSON.stringify(raw)}; supported: uint8, uint16, float16 (as the TF.js converter writes them)`, file);
  }
  if (kind === 'float16') {
    if (dtype !== 'float32') throw new PruneLensError(`weight '${name}' is float16-quantized but of dtype ${dtype}; only float32 weights can be`, file);
    return { dtype: kind };
  }
  const scale = q['scale'];
  const min = q['min'];
  if (typeof scale !== 'number' || !Number.isFinite(scale) || typeof min !== 'number' || !Number.isFinite(min)) {
    throw new PruneLensError(`weight '${name}' is ${kind}-quantized without a finite scale and min`, file);
  }
  return { dtype: kind, scale, min };
}

function checkSpec(raw: unknown, file: string): { spec: tf.io.WeightsManifestEntry; bytes: number } {
  if (!isObject(raw) || typeof raw['name'] !== 'string') {
    throw new PruneLensError('weightsManifest has a weight entry without a name', file);
  }
  const name = raw['name'];
  const dtype = raw['dtype'];
  const bytesPerElement = typeof dtype === 'string' ? DTYPE_BYTES[dtype] : undefined;
  if (bytesPerElement === undefined) {
    throw new PruneLensError(
      `weight '${name}' has unsupported dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`,
      file,
    );
  }
  const quantization = raw['quantization'] === undefined ? undefined : checkQuantization(raw['quantization'], name, dtype as string, file);
  const count = checkedElementCount(raw, name, file);
  const shape = (raw['shape'] as number[]).slice();
  const spec: tf.io.WeightsManifestEntry = { name, shape, dtype: dtype as 'float32' | 'int32', ...(quantization ? { quantization } : {}) };
  return { spec, bytes: count * (quantization ? QUANTIZED_BYTES[quantization.dtype] : bytesPerElement) };
}

function checkGroup(raw: unknown, index: number, modelDir: string, file: string): CheckedWeightGroup {
  if (!isObject(raw) || !Array.isArray(raw['paths']) || !Array.isArray(raw['weights'])) {
    throw new PruneLensError(`weightsManifest[${index}] needs 'paths' and 'weights' arrays`, file);
  }
  const files = raw['paths'].map((p: unknown) => {
    if (typeof p !== 'string') throw new PruneLensError(`weightsManifest[${index}] has a non-string path`, file);
    return resolveWeightPath(modelDir, p, file);
  });
  let byteLength = 0;
  const specs = raw['weights'].map((w: unknown) => {
    const { spec, bytes } = checkSpec(w, file);
    byteLength += bytes;
    return spec;
  });
  if (files.length === 0 && byteLength > 0) {
    throw new PruneLensError(`weightsManifest[${index}] declares ${byteLength} bytes of weights but no files`, file);
  }
  return { files, specs, byteLength };
}

/**
 * Parses and checks the text of a model.json at `file`. Weight files are only resolved
 * here; their sizes are checked against `byteLength` by the loader.
 */
export function checkModelJson(text: string, file: string): CheckedModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PruneLensError(`not JSON (${err instanceof Error ? err.message : String(err)})`, file);
  }
  if (!isObject(json)) throw new PruneLensError('not a TF.js model.json: the top level is not an object', file);
  const format = optionalString(json['format']);
  if (format !== undefined && format !== 'layers-model') {
    throw new PruneLensError(`format is '${format}'; PruneLens reads TF.js Layers models ('layers-model')`, file);
  }
  const modelTopology = json['modelTopology'];
  if (!isObject(modelTopology)) {
    throw new PruneLensError('no modelTopology object; this is not a TF.js Layers model.json', file);
  }
  const manifest = json['weightsManifest'] ?? [];
  if (!Array.isArray(manifest)) throw new PruneLensError('weightsManifest is not an array', file);
  const modelDir = path.dirname(path.resolve(file));
  const groups = manifest.map((g: unknown, i: number) => checkGroup(g, i, modelDir, file));
  const trainingConfig = isObject(json['trainingConfig']) ? (json['trainingConfig'] as unknown as tf.io.TrainingConfig) : undefined;
  return {
    modelTopology,
    format,
    generatedBy: optionalString(json['generatedBy']),
    convertedBy: optionalString(json['convertedBy']),
    trainingConfig,
    userDefinedMetadata: isObject(json['userDefinedMetadata'])
      ? (json['userDefinedMetadata'] as tf.io.ModelArtifacts['userDefinedMetadata'])
      : undefined,
    groups,
  };
}
