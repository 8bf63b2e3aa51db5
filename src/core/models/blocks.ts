/**
 * Layer factories shared by the zoo builders: convolutions with deliberately chosen
 * initializers, BatchNormalization with PaddlePaddle's defaults, and the naming pattern
 * every zoo model follows (`<conv>`, `<conv>_bn`, `<conv>_relu`).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * PaddlePaddle's BatchNorm defaults. Keras/TF.js default to momentum 0.99, which after one
 * short training run leaves most of the initial moving variance (1.0) in place; inference
 * then rescales activations wrongly and the model outputs a constant. 0.9 forgets it fast.
 */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-5;

/**
 * A per-layer initializer seed derived from the model seed and the layer's name (FNV-1a).
 * Keying on the name keeps a layer's weights the same when unrelated layers change, and
 * one seed per layer stops two layers of the same shape from starting identical. The
 * result is never 0: TF.js treats a seed of 0 as "no seed" and draws from Math.random.
 */
export function layerSeed(modelSeed: number, layerName: string): number {
  const text = `${modelSeed}/${layerName}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 2147483646) + 1;
}

/** Channel count after a width multiplier; never below one channel. */
export function scaleWidth(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

/**
 * TF.js draws "normal" initial weights from a normal truncated at two standard deviations
 * and, unlike Keras, does not widen it to make up for the cut, so every layer starts with
 * 0.774 of the intended variance. Over MobileNetV1's 27 convs that shrinks the signal's
 * standard deviation about 30x. Dividing the requested standard deviation by this factor
 * (the standard deviation of a unit normal truncated to [-2, 2]) restores the intended one.
 */
export const TRUNCATED_NORMAL_STD = 0.8796256610342398;

/**
 * He-normal with the intended variance 2 / fan_in (see TRUNCATED_NORMAL_STD). TF.js's fan-in
 * for a Conv2D or Dense kernel is right (kh * kw * C_in, or the input width).
 */
function heNormal(seed: number): ReturnType<typeof tf.initializers.varianceScaling> {
  return tf.initializers.varianceScaling({
    scale: 2 / (TRUNCATED_NORMAL_STD * TRUNCATED_NORMAL_STD),
    mode: 'fanIn',
    distribution: 'normal',
    seed,
  });
}

export type ActivationKind = 'relu' | 'relu6' | 'none';

/** What every builder passes down: the model seed, so each layer can derive its own. */
export interface BuildContext {
  readonly seed: number;
}

/** Shared options of the conv helpers below. */
export interface ConvSpec {
  readonly name: string;
  readonly kernelSize: number;
  readonly strides?: number;
  /** Defaults to false: a following BatchNorm's beta makes a conv bias redundant. */
  readonly useBias?: boolean;
  /** Activation after the BatchNorm; 'none' for linear bottlenecks and pre-add branches. */
  readonly activation: ActivationKind;
}

function batchNorm(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ name, axis: -1, momentum: BN_MOMENTUM, epsilon: BN_EPSILON });
}

function activationLayer(name: string, kind: ActivationKind): tf.layers.Layer | undefined {
  if (kind === 'none') return undefined;
  // A ReLU layer (not a fused activation) so that pruning sees it as a separate op that
  // passes channels through, as PaddleSlim does.
  return kind === 'relu6' ? tf.layers.reLU({ name, maxValue: 6 }) : tf.layers.reLU({ name });
}

function applyLayer(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

/** BN `<name>_bn`, then the activation `<name>_relu` when there is one. */
export function bnAct(x: tf.SymbolicTensor, name: string, activation: ActivationKind): tf.SymbolicTensor {
  let y = applyLayer(batchNorm(`${name}_bn`), x);
  const act = activationLayer(`${name}_relu`, activation);
  if (act !== undefined) y = applyLayer(act, y);
  return y;
}

/**
 * Conv2D `<name>` -> BN `<name>_bn` -> activation. He-normal uses the right fan-in here
 * (kh * kw * C_in), so the stock initializer is kept, with a per-layer seed.
 */
export function convBn(ctx: BuildContext, x: tf.SymbolicTensor, filters: number, spec: ConvSpec): tf.SymbolicTensor {
  const conv = tf.layers.conv2d({
    name: spec.name,
    filters,
    kernelSize: spec.kernelSize,
    strides: spec.strides ?? 1,
    padding: 'same',
    dataFormat: 'channelsLast',
    useBias: spec.useBias ?? false,
    kernelInitializer: heNormal(layerSeed(ctx.seed, spec.name)),
    biasInitializer: 'zeros',
  });
  return bnAct(applyLayer(conv, x), spec.name, spec.activation);
}

/**
 * DepthwiseConv2D `<name>` -> BN -> activation. TF.js counts a depthwise kernel's fan-in as
 * kh * kw * C_in although each output sees only kh * kw inputs, so He-normal would start
 * the weights sqrt(C_in) times too small (the variances after them end up ~1e-4). The
 * truncated normal below uses the true fan-in, widened for the truncation like heNormal;
 * it is a standard initializer, so the model still serialises.
 */
export function depthwiseBn(ctx: BuildContext, x: tf.SymbolicTensor, spec: ConvSpec): tf.SymbolicTensor {
  const fanIn = spec.kernelSize * spec.kernelSize;
  const conv = tf.layers.depthwiseConv2d({
    name: spec.name,
    kernelSize: spec.kernelSize,
    strides: spec.strides ?? 1,
    padding: 'same',
    dataFormat: 'channelsLast',
    depthMultiplier: 1,
    useBias: spec.useBias ?? false,
    depthwiseInitializer: tf.initializers.truncatedNormal({
      mean: 0,
      stddev: Math.sqrt(2 / fanIn) / TRUNCATED_NORMAL_STD,
      seed: layerSeed(ctx.seed, spec.name),
    }),
    biasInitializer: 'zeros',
  });
  return bnAct(applyLayer(conv, x), spec.name, spec.activation);
}

/** Residual sum `<name>`; pruning treats all inputs of an Add as one channel group. */
export function add(name: string, inputs: tf.SymbolicTensor[]): tf.SymbolicTensor {
  return applyLayer(tf.layers.add({ name }), inputs);
}

/** A plain ReLU layer with an explicit name (after an Add, or after a hidden Dense). */
export function relu(name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return applyLayer(tf.layers.reLU({ name }), x);
}

/** GlobalAveragePooling2D `<poolName>` then the logits Dense `<fcName>` (no softmax). */
export function poolAndLogits(
  ctx: BuildContext,
  x: tf.SymbolicTensor,
  numClasses: number,
  poolName: string,
  fcName: string,
): tf.SymbolicTensor {
  const pooled = applyLayer(tf.layers.globalAveragePooling2d({ name: poolName, dataFormat: 'channelsLast' }), x);
  return logits(ctx, pooled, numClasses, fcName);
}

/**
 * The classifier Dense, linear: losses and metrics apply softmax themselves, and pruning
 * and evaluation want the raw logits. Glorot-uniform is PaddlePaddle's fc default.
 */
export function logits(ctx: BuildContext, x: tf.SymbolicTensor, numClasses: number, name: string): tf.SymbolicTensor {
  const dense = tf.layers.dense({
    name,
    units: numClasses,
    activation: 'linear',
    useBias: true,
    kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(ctx.seed, name) }),
    biasInitializer: 'zeros',
  });
  return applyLayer(dense, x);
}

/** A hidden Dense `<name>` with bias, He-normal (a ReLU follows it), no fused activation. */
export function hiddenDense(ctx: BuildContext, x: tf.SymbolicTensor, units: number, name: string): tf.SymbolicTensor {
  const dense = tf.layers.dense({
    name,
    units,
    activation: 'linear',
    useBias: true,
    kernelInitializer: heNormal(layerSeed(ctx.seed, name)),
    biasInitializer: 'zeros',
  });
  return applyLayer(dense, x);
}

/** The model input, always named 'input' so that topologies (and fingerprints) are stable. */
export function modelInput(inputShape: readonly [number, number, number]): tf.SymbolicTensor {
  return tf.input({ name: 'input', shape: [...inputShape], dtype: 'float32' });
}
