/**
 * Training-time noise layers: the identity at inference, so channels pass through. (These
 * are the ones TF.js can load; Keras' SpatialDropout2D is not among them.)
 */
import type { LayerConverter } from '../eval/exportTypes';
import { singleInput } from '../eval/exportTypes';
import { NO_MACS } from './macs';
import { passThrough } from './rules';
import type { LayerClass } from './types';

const identity: LayerConverter = (_g, call) => singleInput(call);

function identityAtInference(className: string): LayerClass {
  return { className, pruning: 'follows its input: the identity at inference', channels: passThrough, weights: {}, macs: NO_MACS, onnx: { convert: identity } };
}

export const REGULARIZATION_CLASSES: readonly LayerClass[] = [
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
].map(identityAtInference);
