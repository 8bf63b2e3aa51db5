/**
 * Checks on a model's weights that model.json alone cannot settle: before any weight byte is
 * read, that the manifest declares exactly the weights the topology builds, shape for shape
 * (a manifest can declare a 1 GiB tensor that matches its file's size but no layer); and
 * after reading, that every float is finite (NaN or infinite weights make every number
 * measured on the model meaningless). Each refusal names the tensors.
 */
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError } from '../util/errors';

/** Tensors listed in a message before "and N more". */
const LISTED = 5;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join('; ');
  return items.length > LISTED ? `${shown}; and ${items.length - LISTED} more` : shown;
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Weights of the optimizer's state, which a Layers model.json may carry and PruneLens ignores. */
export function isOptimizerWeight(spec: tf.io.WeightsManifestEntry): boolean {
  return spec.group === 'optimizer';
}

/**
 * Refuses a manifest whose weights are not exactly the model's: a name the topology does not
 * have, a shape or dtype that differs, or a model weight the manifest leaves out.
 */
export function checkWeightShapes(model: tf.LayersModel, specs: readonly tf.io.WeightsManifestEntry[], file: string): void {
  const built = new Map(model.weights.map((w) => [w.originalName, w]));
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
  if (problems.length > 0) throw new PruneLensError(`the weights manifest does not match the topology: ${listed(problems)}; refused before reading any weights`, file);
}

/**
 * Refuses float weights that are NaN or infinite, naming the tensors and how many values.
 * Checked on the decoded tensors, so that quantized weights are checked as they will be used.
 */
export function checkFiniteWeights(weights: tf.NamedTensorMap, file: string): void {
  const bad: string[] = [];
  for (const [name, tensor] of Object.entries(weights)) {
    if (tensor.dtype !== 'float32') continue;
    const values = tensor.dataSync() as Float32Array;
    let nonFinite = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) nonFinite++;
    if (nonFinite > 0) bad.push(`'${name}' (${nonFinite} of ${values.length} values)`);
  }
  if (bad.length > 0) throw new PruneLensError(`has weights that are NaN or infinite: ${listed(bad)}; refused (--allow-nonfinite loads it anyway)`, file);
}
