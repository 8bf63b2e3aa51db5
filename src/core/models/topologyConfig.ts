/**
 * Puts back into a saved topology what TF.js's serialisation leaves out of a layer's config
 * but its weights imply (the registry's configFromWeights, e.g. SeparableConv2D's
 * depthMultiplier), so the written model.json loads in stock TF.js as the model it is.
 */
import type * as tf from '@tensorflow/tfjs';
import { layerClass } from '../layers/registry';
import { weightShapesOf } from './layerShapes';

/** TF.js writes config keys the Python way (depthMultiplier -> depth_multiplier). */
function pythonic(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Restores the missing config of every layer of `model` in its serialised `topology` (edited in place). */
export function restoreTopologyConfigs(topology: unknown, model: tf.LayersModel): void {
  const config = isObject(topology) && isObject(topology['config']) ? topology['config'] : undefined;
  const layers = config?.['layers'];
  if (!Array.isArray(layers)) return;
  for (const entry of layers) {
    if (!isObject(entry) || !isObject(entry['config']) || typeof entry['class_name'] !== 'string') continue;
    const restore = layerClass(entry['class_name'])?.configFromWeights;
    const name = entry['config']['name'];
    if (restore === undefined || typeof name !== 'string') continue;
    for (const [key, value] of Object.entries(restore(weightShapesOf(model.getLayer(name))))) entry['config'][pythonic(key)] = value;
  }
}
