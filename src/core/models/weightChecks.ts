/**
 * Checks on a model's weights that model.json alone cannot settle: before any weight byte is
 * read, that the manifest declares exactly the weights the topology builds, shape for shape
 * (a manifest can declare a 1 GiB tensor that matches its file's size but no layer); and
 * once loaded, that every float is finite (NaN or infinite weights make every number
 * measured on the model meaningless). Each refusal names the tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { listed } from '../../shared/format';
import { errorText, PruneLensError } from '../util/errors';

/** Tensors listed in a message before "and N more". */
const LISTED = 5;


function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Weights of the optimizer's state, which a Layers model.json may carry and PruneLens ignores. */
export function isOptimizerWeight(spec: tf.io.WeightsManifestEntry): boolean {
  return spec.group === 'optimizer';
}

/** What the topology makes of one weight. */
export interface BuiltWeight {
  readonly shape: readonly number[];
  readonly dtype: string;
}

const ZEROS = { class_name: 'Zeros', config: {} };

/** A copy of a Keras topology with every initializer replaced by zeros, which costs nothing to run. */
function withZeroInitializers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withZeroInitializers);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, key.endsWith('_initializer') && typeof v === 'object' && v !== null ? ZEROS : withZeroInitializers(v)]),
  );
}

/**
 * The weights the topology builds, by name. The model is built once from a copy whose
 * initializers are zeros (real ones, such as orthogonal, can take seconds) and thrown away:
 * nothing of the weight files is read, and what is allocated is what the model itself needs.
 */
export async function topologyWeights(topology: object, file: string): Promise<Map<string, BuiltWeight>> {
  let probe: tf.LayersModel;
  try {
    probe = await tf.models.modelFromJSON({ modelTopology: withZeroInitializers(topology) } as tf.io.ModelJSON);
  } catch (err) {
    const why = err instanceof RangeError ? `its layers need more memory than can be allocated: ${errorText(err)}` : errorText(err);
    throw new PruneLensError(`could not build the model (${why})`, file);
  }
  try {
    return new Map(probe.weights.map((w) => [w.originalName, { shape: w.shape as number[], dtype: w.dtype }]));
  } finally {
    probe.dispose();
  }
}

/**
 * Refuses a manifest whose weights are not exactly the model's: a name the topology does not
 * have, a shape or dtype that differs, or a model weight the manifest leaves out.
 */
export function checkWeightShapes(built: ReadonlyMap<string, BuiltWeight>, specs: readonly tf.io.WeightsManifestEntry[], file: string): void {
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const spec of specs.filter((s) => !isOptimizerWeight(s))) {
    declared.add(spec.name);
    const weight = built.get(spec.name);
    if (weight === undefined) problems.push(`'${spec.name}' is in the manifest but no layer of the topology has it`);
    else if (shapeText(weight.shape) !== shapeText(spec.shape)) problems.push(`'${spec.name}' is ${shapeText(spec.shape)} in the manifest but the topology makes it ${shapeText(weight.shape)}`);
    else if (weight.dtype !== spec.dtype) problems.push(`'${spec.name}' is ${spec.dtype} in the manifest but ${weight.dtype} in the topology`);
  }
  for (const name of built.keys()) if (!declared.has(name)) problems.push(`'${name}' is a weight of the topology that the manifest leaves out`);
  if (problems.length > 0) throw new PruneLensError(`the weights manifest does not match the topology: ${listed(problems, LISTED)}; refused before reading any weights`, file);
}

/** Whether every value is finite: v * 0 is 0 for a finite v and NaN for NaN or an infinity, so one sum tells. */
function allFinite(values: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] as number) * 0;
  return sum === 0;
}

/**
 * Refuses float weights that are NaN or infinite, naming the tensors and how many values.
 * Checked on the loaded model, so that quantized weights are checked as they will be used.
 */
export function checkFiniteWeights(model: tf.LayersModel, file: string): void {
  const bad: string[] = [];
  for (const weight of model.weights) {
    if (weight.dtype !== 'float32') continue;
    const values = weight.read().dataSync() as Float32Array;
    if (allFinite(values)) continue;
    let nonFinite = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) nonFinite++;
    bad.push(`'${weight.originalName}' (${nonFinite} of ${values.length} values)`);
  }
  if (bad.length > 0) throw new PruneLensError(`has weights that are NaN or infinite: ${listed(bad, LISTED)}; refused (--allow-nonfinite loads it anyway)`, file);
}
