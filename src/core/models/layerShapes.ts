/**
 * A TF.js layer's weight shapes by their short names (`kernel`, `depthwise_kernel`, `gamma`),
 * the form the layer registry's facets take them in.
 */
import type * as tf from '@tensorflow/tfjs';

export function weightShapesOf(layer: tf.layers.Layer): Map<string, readonly number[]> {
  return new Map(layer.weights.map((w) => [w.originalName.slice(w.originalName.lastIndexOf('/') + 1), w.shape.map((d) => d ?? 0)]));
}
