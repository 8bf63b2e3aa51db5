/**
 * Saving and loading TF.js Layers models on the local filesystem. `@tensorflow/tfjs` has
 * no file:// handler under Node (that lives in tfjs-node, which cannot be installed here),
 * so this module does the file work itself and hands artifacts to the stock TF.js save and
 * load paths. The files are the standard format: `model.json` (modelTopology plus a
 * weightsManifest) next to one binary weights file, readable by `tf.loadLayersModel`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomicWrite';
import { errorText, PruneLensError } from '../util/errors';
import type { CheckedModelJson } from './modelJson';
import { checkModelJson, type QuantizationDtype } from './modelJson';
import { quantizeWeights } from './quantize';
import { setInputShape } from './inputShape';
import { restoreTopologyConfigs } from './topologyConfig';

export { modelFingerprint } from './fingerprint';

export const MODEL_JSON_NAME = 'model.json';
export const WEIGHTS_FILE_NAME = 'weights.bin';

export interface SavedModelFiles {
  readonly modelJson: string;
  readonly weights: readonly string[];
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * Saves `model` as `<dir>/model.json` and `<dir>/weights.bin`, creating `dir` if needed.
 * Each file is written to a temporary name and renamed into place, weights first, so a
 * crash never leaves a model.json that describes weights which are not there yet.
 */
/** The quantization each weight had in the file a model was loaded from (none for float32 ones). */
const sourceQuantizations = new WeakMap<tf.LayersModel, ReadonlyMap<string, QuantizationDtype>>();

/** How the file `model` was loaded from stored each quantized weight, by manifest name; empty for float32 models. */
export function sourceQuantization(model: tf.LayersModel): ReadonlyMap<string, QuantizationDtype> {
  return sourceQuantizations.get(model) ?? new Map();
}

export interface SaveOptions {
  /** Store these weights (by manifest name) quantized as the TF.js converter does; the rest float32. */
  readonly quantization?: ReadonlyMap<string, QuantizationDtype>;
}

export async function saveModel(model: tf.LayersModel, dir: string, opts: SaveOptions = {}): Promise<SavedModelFiles> {
  await fsp.mkdir(dir, { recursive: true });
  const modelJsonPath = path.join(dir, MODEL_JSON_NAME);
  const weightsPath = path.join(dir, WEIGHTS_FILE_NAME);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts === undefined || artifacts.modelTopology === undefined) {
    throw new PruneLensError(`TF.js produced no topology when saving model '${model.name}'`, modelJsonPath);
  }
  restoreTopologyConfigs(artifacts.modelTopology, model);
  let weightSpecs = artifacts.weightSpecs ?? [];
  let weightBytes = joinWeightData(artifacts.weightData);
  if (opts.quantization !== undefined && opts.quantization.size > 0) ({ specs: weightSpecs, data: weightBytes } = quantizeWeights(weightSpecs, weightBytes, opts.quantization));
  const modelJson: Record<string, unknown> = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE_NAME], weights: weightSpecs }],
  };
  if (artifacts.trainingConfig !== undefined) modelJson['trainingConfig'] = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata !== undefined) modelJson['userDefinedMetadata'] = artifacts.userDefinedMetadata;
  await writeFileAtomic(weightsPath, weightBytes);
  await writeFileAtomic(modelJsonPath, JSON.stringify(modelJson));
  return { modelJson: modelJsonPath, weights: [weightsPath] };
}

async function readModelJsonText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') throw new PruneLensError('model file not found', file);
    if (code === 'EISDIR') throw new PruneLensError(`is a folder; give the path of its ${MODEL_JSON_NAME}`, file);
    throw new PruneLensError(`could not read the model file (${errorText(err)})`, file);
  }
}

/**
 * Checks every weight file exists, is a plain file really inside the model's folder (a
 * symlink may not lead out of it), and has exactly the size the manifest implies; all
 * before any weight byte is read.
 */
async function checkWeightFiles(checked: CheckedModelJson, modelJsonPath: string): Promise<void> {
  const modelDir = await fsp.realpath(path.dirname(path.resolve(modelJsonPath)));
  for (const group of checked.groups) {
    let total = 0;
    for (const file of group.files) {
      let stat;
      let real;
      try {
        real = await fsp.realpath(file);
        stat = await fsp.stat(real);
      } catch (err) {
        const reason = errorCode(err) === 'ENOENT' ? 'weights file not found' : `could not read (${errorText(err)})`;
        throw new PruneLensError(`${reason} (listed in ${modelJsonPath})`, file);
      }
      const relative = path.relative(modelDir, real);
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        throw new PruneLensError(`weights file leads outside the model's folder (to ${real}); refused`, file);
      }
      if (!stat.isFile()) throw new PruneLensError('weights path is not a file', file);
      total += stat.size;
    }
    if (total !== group.byteLength) {
      const where = group.files.length === 1 ? group.files[0] : modelJsonPath;
      const what = group.files.length === 1 ? 'weights file' : `weights files ${group.files.join(', ')}`;
      const relation = total < group.byteLength ? 'shorter than' : 'longer than';
      throw new PruneLensError(
        `${what} ${relation} the manifest in ${modelJsonPath} says: ${total} bytes, expected ${group.byteLength}; refused`,
        where,
      );
    }
  }
}

/** All weight bytes in manifest order, in a fresh buffer of exactly their length. */
async function readWeightData(checked: CheckedModelJson): Promise<Uint8Array> {
  const total = checked.groups.reduce((n, g) => n + g.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const group of checked.groups) {
    for (const file of group.files) {
      const bytes = await fsp.readFile(file);
      // The sizes were checked, but a file can change between stat and read.
      if (offset + bytes.byteLength > total) throw new PruneLensError('weights file changed while it was read', file);
      data.set(bytes, offset);
      offset += bytes.byteLength;
    }
  }
  if (offset !== total) throw new PruneLensError('weights files changed while they were read');
  return data;
}

/**
 * Loads a Layers model from its model.json, validating the file first (see modelJson.ts
 * and checkWeightFiles): every problem is a PruneLensError naming the file at fault.
 */
export async function loadModel(modelJsonPath: string, opts: { inputShape?: readonly [number, number, number] } = {}): Promise<tf.LayersModel> {
  const checked = checkModelJson(await readModelJsonText(modelJsonPath), modelJsonPath);
  if (opts.inputShape !== undefined) setInputShape(checked.modelTopology, opts.inputShape, modelJsonPath);
  await checkWeightFiles(checked, modelJsonPath);
  const weightData = await readWeightData(checked);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: checked.modelTopology,
    format: checked.format,
    generatedBy: checked.generatedBy,
    convertedBy: checked.convertedBy,
    trainingConfig: checked.trainingConfig,
    userDefinedMetadata: checked.userDefinedMetadata,
    weightSpecs: checked.groups.flatMap((g) => g.specs),
    // readWeightData allocated this buffer for exactly these bytes, so no copy is needed.
    weightData: weightData.buffer as ArrayBuffer,
  };
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts), { strict: true });
    const quantized = artifacts.weightSpecs?.filter((s) => s.quantization !== undefined) ?? [];
    if (quantized.length > 0) sourceQuantizations.set(model, new Map(quantized.map((s) => [s.name, s.quantization?.dtype as QuantizationDtype])));
    return model;
  } catch (err) {
    throw new PruneLensError(`could not build the model (${errorText(err)})`, modelJsonPath);
  }
}
