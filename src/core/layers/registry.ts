/**
 * The registry of layer classes: every class PruneLens understands, each described once
 * (types.ts). Adding a class is one entry here plus its file and tests
 * (docs/architecture.md); test/unit/layerRegistry.test.ts checks that every entry has every
 * facet or a declared reason.
 */
import { PruneLensError } from '../util/errors';
import { ACTIVATION, ELU, LEAKY_RELU, RELU, SOFTMAX, THRESHOLDED_RELU } from './activations';
import { BATCH_NORMALIZATION } from './batchNorm';
import { CONV2D, DEPTHWISE_CONV2D } from './conv';
import { DENSE } from './dense';
import { ADD, AVERAGE, CONCATENATE, MAXIMUM, MINIMUM, MULTIPLY } from './merge';
import { AVERAGE_POOLING2D, GLOBAL_AVERAGE_POOLING2D, GLOBAL_MAX_POOLING2D, MAX_POOLING2D } from './pooling';
import { REGULARIZATION_CLASSES } from './regularization';
import { opaqueRule } from './rules';
import { CONV2D_TRANSPOSE } from './convTranspose';
import { LAYER_NORMALIZATION } from './layerNorm';
import { SEPARABLE_CONV2D } from './separable';
import { CROPPING2D, FLATTEN, RESHAPE, UPSAMPLING2D, ZERO_PADDING2D } from './spatial';
import type { LayerClass } from './types';

const INPUT_LAYER: LayerClass = {
  className: 'InputLayer',
  pruning: "brings the image's channels, which nothing prunes",
  channels: opaqueRule('it is the model input'),
  weights: {},
  macs: { counted: () => [] },
  onnx: { unsupported: 'the model input becomes the ONNX graph input, not a node' },
  input: true,
};

export const LAYER_CLASSES: ReadonlyMap<string, LayerClass> = new Map(
  [
    INPUT_LAYER,
    CONV2D,
    DEPTHWISE_CONV2D,
    SEPARABLE_CONV2D,
    CONV2D_TRANSPOSE,
    DENSE,
    BATCH_NORMALIZATION,
    LAYER_NORMALIZATION,
    ACTIVATION,
    RELU,
    LEAKY_RELU,
    ELU,
    THRESHOLDED_RELU,
    SOFTMAX,
    MAX_POOLING2D,
    AVERAGE_POOLING2D,
    GLOBAL_AVERAGE_POOLING2D,
    GLOBAL_MAX_POOLING2D,
    ZERO_PADDING2D,
    CROPPING2D,
    UPSAMPLING2D,
    FLATTEN,
    RESHAPE,
    ADD,
    MULTIPLY,
    AVERAGE,
    MAXIMUM,
    MINIMUM,
    CONCATENATE,
    ...REGULARIZATION_CLASSES,
  ].map((c) => [c.className, c]),
);

/** The entry of a class, or undefined for a class PruneLens does not know. */
export function layerClass(className: string): LayerClass | undefined {
  return LAYER_CLASSES.get(className);
}

/** The names of every known class, for messages. */
export function knownClassNames(): string[] {
  return [...LAYER_CLASSES.keys()].filter((c) => c !== 'InputLayer');
}

/** The entry of a class a model uses; an unknown one is refused with the known list. */
export function requireLayerClass(className: string, layerName: string): LayerClass {
  const entry = LAYER_CLASSES.get(className);
  if (entry === undefined) throw new PruneLensError(`layer '${layerName}' has class ${className}, which PruneLens does not know (known: ${knownClassNames().join(', ')})`);
  return entry;
}
