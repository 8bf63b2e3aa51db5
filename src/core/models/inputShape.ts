/**
 * Fixing a model's input size before it is built. Many published models declare their
 * input as [null, null, null, 3] (any size); MAC counts, the ONNX export and the data checks
 * need one, which the user gives with --input-shape H,W,C.
 */
import { PruneLensError } from '../util/errors';

type Shape = (number | null)[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `batch_input_shape` entries of a Keras topology: each InputLayer's, or a Sequential's first layer's. */
function inputShapeHolders(topology: Record<string, unknown>): Record<string, unknown>[] {
  const config = isObject(topology['config']) ? topology['config'] : undefined;
  const layers = Array.isArray(config?.['layers']) ? (config?.['layers'] as unknown[]) : [];
  const holders = layers
    .filter((l): l is Record<string, unknown> => isObject(l) && isObject(l['config']) && Array.isArray((l['config'] as Record<string, unknown>)['batch_input_shape']))
    .map((l) => l['config'] as Record<string, unknown>);
  return holders;
}

/**
 * Sets the input's height, width and channels in `topology` (edited in place). A size the
 * model fixes already must agree; a model with several inputs is refused.
 */
export function setInputShape(topology: object, shape: readonly [number, number, number], file: string): void {
  const holders = inputShapeHolders(topology as Record<string, unknown>);
  if (holders.length !== 1) throw new PruneLensError(`--input-shape needs a model with one input; this one declares ${holders.length}`, file);
  const holder = holders[0] as Record<string, unknown>;
  const current = holder['batch_input_shape'] as Shape;
  if (current.length !== 4) throw new PruneLensError(`--input-shape H,W,C is for image models; this input has shape [${current.join(', ')}]`, file);
  current.slice(1).forEach((d, i) => {
    if (d !== null && d !== shape[i]) throw new PruneLensError(`the model's input is [${current.slice(1).map((x) => x ?? '?').join(', ')}]; --input-shape ${shape.join(',')} does not fit it`, file);
  });
  holder['batch_input_shape'] = [current[0] ?? null, ...shape];
}
