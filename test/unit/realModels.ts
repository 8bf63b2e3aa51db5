/**
 * Small models in the shapes of real Keras networks, each built around the layer classes a
 * published model uses: MobileNetV3 (hard-swish, squeeze-and-excite with Reshape and a
 * per-channel Multiply gate), Xception (SeparableConv2D, residual 1x1 convs, max pooling),
 * an encoder-decoder (UpSampling2D, Conv2DTranspose, Concatenate skips, Cropping2D) and a
 * ConvNeXt block (7x7 depthwise, LayerNormalization, GELU, inverted bottleneck). Inputs are
 * 32x32x3, so every model runs in milliseconds.
 */
import * as tf from '@tensorflow/tfjs';
import { randomizeWeights, type Sym } from './onnxTestUtil';

const L = tf.layers;

function apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

function seeded(model: tf.LayersModel, seed: number): tf.LayersModel {
  randomizeWeights(model, seed);
  return model;
}

/** x * hard_sigmoid(x), as Keras' MobileNetV3 writes hard-swish with layers. */
function hardSwish(name: string, x: Sym): Sym {
  return apply(L.multiply({ name: `${name}_hswish` }), [x, apply(L.activation({ activation: 'hardSigmoid', name: `${name}_hsig` }), x)]);
}

/** Squeeze-and-excite: pool, reshape to a 1x1 map, 1x1 convs (or Dense), and a per-channel gate. */
function squeezeExcite(name: string, x: Sym, channels: number, dense: boolean): Sym {
  const pooled = apply(L.globalAveragePooling2d({ name: `${name}_se_pool` }), x);
  const map = apply(L.reshape({ targetShape: [1, 1, channels], name: `${name}_se_reshape` }), pooled);
  const squeeze = dense
    ? apply(L.dense({ units: Math.max(1, channels / 4), activation: 'relu', name: `${name}_se_reduce` }), map)
    : apply(L.conv2d({ filters: Math.max(1, channels / 4), kernelSize: 1, activation: 'relu', name: `${name}_se_reduce` }), map);
  const gate = dense
    ? apply(L.dense({ units: channels, activation: 'hardSigmoid', name: `${name}_se_expand` }), squeeze)
    : apply(L.conv2d({ filters: channels, kernelSize: 1, activation: 'hardSigmoid', name: `${name}_se_expand` }), squeeze);
  return apply(L.multiply({ name: `${name}_se_gate` }), [x, gate]);
}

export function mobileNetV3Like(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [32, 32, 3] });
  let x = hardSwish('stem', apply(L.batchNormalization({ name: 'stem_bn' }), apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'stem' }), input)));
  for (const [b, dense] of [[1, false], [2, true]] as const) {
    const expand = hardSwish(`b${b}_expand`, apply(L.batchNormalization({ name: `b${b}_expand_bn` }), apply(L.conv2d({ filters: 16, kernelSize: 1, useBias: false, name: `b${b}_expand` }), x)));
    const dw = hardSwish(`b${b}_dw`, apply(L.batchNormalization({ name: `b${b}_dw_bn` }), apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: `b${b}_dw` }), expand)));
    const project = apply(L.batchNormalization({ name: `b${b}_project_bn` }), apply(L.conv2d({ filters: 8, kernelSize: 1, useBias: false, name: `b${b}_project` }), squeezeExcite(`b${b}`, dw, 16, dense)));
    x = apply(L.add({ name: `b${b}_add` }), [x, project]);
  }
  const head = apply(L.globalAveragePooling2d({ name: 'pool' }), hardSwish('head', apply(L.conv2d({ filters: 24, kernelSize: 1, name: 'head' }), x)));
  const logits = apply(L.dense({ units: 5, name: 'logits' }), apply(L.dropout({ rate: 0.2, name: 'drop' }), head));
  return seeded(tf.model({ name: 'mobilenetV3Like', inputs: input, outputs: logits }), seed);
}

export function xceptionLike(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [32, 32, 3] });
  let x = apply(L.reLU({ name: 'stem_relu' }), apply(L.batchNormalization({ name: 'stem_bn' }), apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false, name: 'stem' }), input)));
  for (const [b, filters] of [[1, 12], [2, 16]] as const) {
    const residual = apply(L.batchNormalization({ name: `b${b}_res_bn` }), apply(L.conv2d({ filters, kernelSize: 1, strides: 2, padding: 'same', useBias: false, name: `b${b}_res` }), x));
    const s1 = apply(L.reLU({ name: `b${b}_relu` }), apply(L.batchNormalization({ name: `b${b}_sep1_bn` }), apply(L.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name: `b${b}_sep1` }), x)));
    const s2 = apply(L.batchNormalization({ name: `b${b}_sep2_bn` }), apply(L.separableConv2d({ filters, kernelSize: 3, padding: 'same', depthMultiplier: 2, name: `b${b}_sep2` }), s1));
    const pooled = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `b${b}_pool` }), s2);
    x = apply(L.add({ name: `b${b}_add` }), [pooled, residual]);
  }
  const head = apply(L.globalAveragePooling2d({ name: 'pool' }), apply(L.separableConv2d({ filters: 20, kernelSize: 3, padding: 'same', activation: 'relu', name: 'head' }), x));
  return seeded(tf.model({ name: 'xceptionLike', inputs: input, outputs: apply(L.dense({ units: 5, name: 'logits' }), head) }), seed);
}

export function encoderDecoder(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [32, 32, 3] });
  const conv = (name: string, filters: number, x: Sym): Sym => apply(L.reLU({ name: `${name}_relu` }), apply(L.conv2d({ filters, kernelSize: 3, padding: 'same', name }), x));
  const e1 = conv('enc1', 6, input);
  const e2 = conv('enc2', 8, apply(L.maxPooling2d({ poolSize: 2, name: 'down1' }), e1));
  const bottom = conv('bottom', 10, apply(L.averagePooling2d({ poolSize: 2, name: 'down2' }), e2));
  const up2 = apply(L.upSampling2d({ size: [2, 2], name: 'up2' }), bottom);
  const d2 = conv('dec2', 8, apply(L.concatenate({ name: 'skip2' }), [up2, e2]));
  const up1 = apply(L.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', name: 'up1' }), d2);
  const d1 = conv('dec1', 6, apply(L.concatenate({ name: 'skip1' }), [up1, e1]));
  const cropped = apply(L.cropping2D({ cropping: [[1, 1], [2, 0]], name: 'crop' }), d1);
  const pooled = apply(L.globalMaxPooling2d({ name: 'pool' }), cropped);
  return seeded(tf.model({ name: 'encoderDecoder', inputs: input, outputs: apply(L.dense({ units: 5, name: 'logits' }), pooled) }), seed);
}

export function convNextLike(seed = 1): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [32, 32, 3] });
  let x = apply(L.layerNormalization({ name: 'stem_ln' }), apply(L.conv2d({ filters: 8, kernelSize: 4, strides: 4, name: 'stem' }), input));
  for (const b of [1, 2]) {
    const dw = apply(L.depthwiseConv2d({ kernelSize: 7, padding: 'same', name: `b${b}_dw` }), x);
    const normed = apply(L.layerNormalization({ epsilon: 1e-6, name: `b${b}_ln` }), dw);
    const hidden = apply(L.activation({ activation: 'gelu', name: `b${b}_gelu` }), apply(L.conv2d({ filters: 32, kernelSize: 1, name: `b${b}_pw1` }), normed));
    x = apply(L.add({ name: `b${b}_add` }), [x, apply(L.conv2d({ filters: 8, kernelSize: 1, name: `b${b}_pw2` }), hidden)]);
  }
  const head = apply(L.layerNormalization({ name: 'head_ln' }), apply(L.globalAveragePooling2d({ name: 'pool' }), x));
  return seeded(tf.model({ name: 'convNextLike', inputs: input, outputs: apply(L.dense({ units: 5, name: 'logits' }), head) }), seed);
}

export const REAL_MODELS: Readonly<Record<string, (seed?: number) => tf.LayersModel>> = { mobileNetV3Like, xceptionLike, encoderDecoder, convNextLike };
