/**
 * Small models for the pruning tests, each built around one wiring the dependency graph
 * must handle (Concatenate, a depthwise multiplier, a Sequential model, a layer it cannot
 * see through), plus helpers to compare logits on real MNIST digits.
 */
import * as tf from '@tensorflow/tfjs';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import type { MaskSpec } from '../../src/core/pruning';
import { randomizeWeights, type Sym } from './onnxTestUtil';

function apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

function conv(name: string, filters: number, x: Sym, kernelSize = 3): Sym {
  return apply(tf.layers.conv2d({ name, filters, kernelSize, padding: 'same', useBias: true }), x);
}

function bn(name: string, x: Sym): Sym {
  return apply(tf.layers.batchNormalization({ name }), x);
}

function relu(name: string, x: Sym): Sym {
  return apply(tf.layers.reLU({ name }), x);
}

/** Seeds every weight (BN statistics included) so that no channel is trivially zero. */
function seeded(model: tf.LayersModel, seed: number): tf.LayersModel {
  randomizeWeights(model, seed);
  return model;
}

/**
 * a (4 ch) and b (6 ch) from one stem, concatenated (10 ch), then BN, ReLU, a 3x3 conv c
 * that reads all 10, pooling and logits. Channel 4 + j of the concat is b's channel j.
 */
export function concatModel(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [28, 28, 1] });
  const stem = relu('stem_relu', bn('stem_bn', conv('stem', 3, input)));
  const a = relu('a_relu', bn('a_bn', conv('a', 4, stem)));
  const b = relu('b_relu', bn('b_bn', conv('b', 6, stem, 1)));
  const cat = apply(tf.layers.concatenate({ name: 'cat' }), [a, b]);
  const c = relu('c_relu', bn('c_bn', conv('c', 5, relu('cat_relu', bn('cat_bn', cat)))));
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), c);
  const out = apply(tf.layers.dense({ name: 'fc', units: 10 }), pooled);
  return seeded(tf.model({ name: 'concatNet', inputs: input, outputs: out }), seed);
}

/** A depthwise conv with multiplier 2 (output channel 2c + j reads input c), then a 1x1 conv. */
export function depthMultiplierModel(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [28, 28, 1] });
  const stem = relu('stem_relu', bn('stem_bn', conv('stem', 6, input)));
  const dw = apply(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: true }), stem);
  const pw = relu('pw_relu', bn('pw_bn', conv('pw', 8, relu('dw_relu', bn('dw_bn', dw)), 1)));
  const pooled = apply(tf.layers.globalMaxPooling2d({ name: 'pool' }), pw);
  return seeded(tf.model({ name: 'dwMultiplier', inputs: input, outputs: apply(tf.layers.dense({ name: 'fc', units: 10 }), pooled) }), seed);
}

/** A Sequential model: conv, BN, ReLU, max pool, conv, Flatten, Dense, Dropout, Dense. */
export function sequentialModel(seed = 1): tf.LayersModel {
  const model = tf.sequential({
    name: 'seqNet',
    layers: [
      tf.layers.conv2d({ name: 'c1', inputShape: [28, 28, 1], filters: 6, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.batchNormalization({ name: 'c1_bn' }),
      tf.layers.reLU({ name: 'c1_relu' }),
      tf.layers.maxPooling2d({ name: 'p1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'c2', filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'd1', units: 12, activation: 'relu' }),
      tf.layers.dropout({ name: 'drop', rate: 0.5 }),
      tf.layers.dense({ name: 'd2', units: 10 }),
    ],
  });
  return seeded(model, seed);
}

/** conv1 -> BN -> Reshape -> conv2: the Reshape hides where conv1's channels go. */
export function reshapeModel(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [8, 8, 1] });
  const c1 = relu('conv1_relu', bn('conv1_bn', conv('conv1', 4, input)));
  const reshaped = apply(tf.layers.reshape({ name: 'reshape1', targetShape: [4, 16, 4] }), c1);
  const c2 = conv('conv2', 3, reshaped);
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), c2);
  return seeded(tf.model({ name: 'reshapeNet', inputs: input, outputs: apply(tf.layers.dense({ name: 'fc', units: 2 }), pooled) }), seed);
}

/** The first `n` built-in MNIST test digits as an [n, 28, 28, 1] tensor. */
export function mnistImages(n: number): tf.Tensor4D {
  const data = loadBuiltinMnist('test');
  // Every 97th digit, so that the few images span several classes (the split is by class).
  const picked = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) picked.set(data.images.subarray(i * 97 * 784, (i * 97 + 1) * 784), i * 784);
  return tf.tensor4d(picked, [n, 28, 28, 1]);
}

export function logits(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

/** The values of weight `weight` (`kernel`, `gamma`, ...) of layer `layer`. */
export function weightOf(model: tf.LayersModel, layer: string, weight: string): tf.Tensor {
  const v = model.getLayer(layer).weights.find((w) => w.originalName.endsWith(`/${weight}`));
  if (v === undefined) throw new Error(`no weight ${layer}/${weight}`);
  return v.read();
}

/** A seeded ratio in [0, 0.9] for each group, 0.1 steps. */
export function randomRatios(ids: readonly string[], rand: () => number): Record<string, number> {
  return Object.fromEntries(ids.map((id) => [id, Math.floor(rand() * 10) / 10]));
}

/**
 * Runs a functional model layer by layer on concrete tensors, zeroing the listed channels
 * of the listed layers' outputs: what an engine that masks activations does with a plan's
 * `masks`. Each layer must be called once (true of the zoo models).
 */
export function logitsWithActivationMasks(model: tf.LayersModel, x: tf.Tensor, masks: readonly MaskSpec[]): Float32Array {
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>();
    values.set((model.inputs[0] as Sym).id, x);
    for (const layer of model.layers) {
      const node = layer.inboundNodes[0];
      if (layer.getClassName() === 'InputLayer' || node === undefined) continue;
      const inputs = node.inputTensors.map((t) => values.get(t.id) as tf.Tensor);
      let out = layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor;
      for (const mask of masks.filter((m) => m.layer === layer.name)) {
        const keep = new Float32Array(mask.channels).fill(1);
        for (const c of mask.zeroed) keep[c] = 0;
        out = tf.mul(out, tf.tensor1d(keep));
      }
      values.set((node.outputTensors[0] as Sym).id, out);
    }
    return (values.get((model.outputs[0] as Sym).id) as tf.Tensor).dataSync() as Float32Array;
  });
}
