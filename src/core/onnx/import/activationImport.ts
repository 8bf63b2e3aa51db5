/**
 * Activations, BatchNormalization and Softmax as TF.js layers. TF.js's own layers where
 * they compute the same (ReLU, ReLU6 as ReLU with a maximum, LeakyReLU, sigmoid), function
 * layers for the parameterised ones (HardSigmoid with ONNX's alpha and beta, HardSwish, a
 * Clip with other bounds).
 */
import * as tf from '@tensorflow/tfjs';
import type { TfjsImporter } from '../../layers/onnx/importTypes';
import { configFloat, configInt } from '../../layers/onnx/config';
import { FunctionLayer } from './customLayers';
import { apply, floatWeight, onlyInput, permutedLink, refuse, tfAxis } from './importUtil';

const same = (shapes: tf.Shape[]): tf.Shape => shapes[0] as tf.Shape;

function functionOf(ctx: Parameters<TfjsImporter>[0]): ((x: tf.Tensor) => tf.Tensor) | tf.layers.Layer {
  const name = ctx.layerName();
  switch (ctx.opType) {
    case 'Relu':
      return tf.layers.reLU({ name });
    case 'Sigmoid':
      return tf.layers.activation({ activation: 'sigmoid', name });
    case 'LeakyRelu':
      return tf.layers.leakyReLU({ alpha: configFloat(ctx.config, 'alpha', 0.01), name });
    case 'Clip': {
      const min = configFloat(ctx.config, 'min', -Infinity);
      const max = configFloat(ctx.config, 'max', Infinity);
      if (min === 0) return tf.layers.reLU({ name, ...(Number.isFinite(max) ? { maxValue: max } : {}) });
      return (x) => tf.clipByValue(x, min, max);
    }
    case 'HardSigmoid': {
      const alpha = configFloat(ctx.config, 'alpha', 0.2);
      const beta = configFloat(ctx.config, 'beta', 0.5);
      return (x) => tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1);
    }
    case 'HardSwish':
      return (x) => tf.mul(x, tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1));
    default:
      return refuse(`no TF.js form for ${ctx.opType}`);
  }
}

export const importActivation: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const f = functionOf(ctx);
  const layer = f instanceof tf.layers.Layer ? f : new FunctionLayer(ctx.layerName(), ([t]) => f(t as tf.Tensor), same);
  return apply(layer, [x], x.layout);
};

export const importBatchNorm: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  if (x.layout !== 'image' && (ctx.inputShapes[0]?.length ?? 0) !== 2) refuse('it normalises a tensor that is neither an NCHW image nor [N, C]');
  const name = ctx.layerName();
  const pairs: [string, string][] = [
    ['gamma', 'scale'],
    ['beta', 'B'],
    ['moving_mean', 'input_mean'],
    ['moving_variance', 'input_var'],
  ];
  for (const [tfName, onnxName] of pairs) ctx.link(permutedLink(name, tfName, floatWeight(ctx, onnxName)));
  // ONNX's momentum is the share of the running statistic kept per step, as Keras's is.
  const layer = tf.layers.batchNormalization({ axis: -1, epsilon: configFloat(ctx.config, 'epsilon', 1e-5), momentum: configFloat(ctx.config, 'momentum', 0.9), name });
  return apply(layer, [x], x.layout);
};

export const importSoftmax: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = tfAxis(x, configInt(ctx.config, 'axis', -1), rank);
  if (axis !== rank - 1) refuse('softmax over an axis other than the last one TF.js holds');
  return apply(tf.layers.softmax({ name: ctx.layerName() }), [x], x.layout);
};
