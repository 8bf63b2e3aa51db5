/**
 * Batch normalisation in training mode as two kernels of PruneLens's own, forward and
 * backward, each a few passes over Float32Arrays of the wasm heap.
 *
 * tf.layers' BatchNormalization trains through `moments` and `batchNorm`: some 8 full-size
 * ops forward and about 25 in the gradient (broadcasts, tiles, reductions, casts), about a
 * quarter of a MobileNetV1 training step. Forward here: one pass for the per-channel sums of
 * x and x² and one that writes y = x * a + b. Backward: one pass for the sums of dy and dy * x,
 * one that writes dx = k1 * dy + k2 * x + k3, the whole gradient through the batch statistics
 * folded into three numbers per channel. Statistics are over every axis but the last
 * (channels-last data, as tf.layers trains); the passes are in ./channelRows.ts.
 *
 * With the attribute `relu`, the forward kernel also rectifies its output (a BatchNorm
 * followed by a ReLU, see ../fusedLayers.ts) and the backward passes take dy only where that
 * output is positive: the ReLU costs no pass of its own either way.
 */
import * as tf from '@tensorflow/tfjs';
import { affineRows, channelSums, type ReluMask } from './channelRows';
import { heap, requireFloat32 } from './common';
import type { KernelArgs, TensorInfo } from './common';

/**
 * The forward kernel: inputs x, gamma, beta, movingMean, movingVariance; attrs epsilon,
 * momentum, relu; outputs y, mean, variance (biased), 1/sqrt(variance + eps), the moving mean
 * and variance updated as tf.layers updates them, and the per-channel scale and shift of
 * y = x * scale + shift (from which the backward pass recomputes the ReLU's mask).
 */
export const BATCH_NORM_TRAINING = 'PruneLensBatchNormTraining';
/** The backward kernel: inputs dy, x, gamma, mean, invStd (and scale, shift with attr relu); outputs dx, dGamma, dBeta. */
export const BATCH_NORM_TRAINING_GRAD = 'PruneLensBatchNormTrainingGrad';

/** Rows of a channels-last tensor (everything but the last axis) and channels. */
function rowsAndChannels(x: TensorInfo, kernel: string): [number, number] {
  if (x.shape.length < 2) throw new Error(`${kernel} (wasm): x must have rank 2 or more, got shape [${x.shape.join(', ')}]`);
  const C = x.shape[x.shape.length - 1]!;
  return [tf.util.sizeFromShape(x.shape) / C, C];
}

function requireChannels(t: TensorInfo, C: number, kernel: string, what: string): void {
  requireFloat32(t, kernel, what);
  if (t.shape.length !== 1 || t.shape[0] !== C) throw new Error(`${kernel} (wasm): ${what} must have shape [${C}], one value per channel, got [${t.shape.join(', ')}]`);
}

type BatchNormInputs = { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo; movingMean: TensorInfo; movingVariance: TensorInfo };

/**
 * moving - (moving - batch) * (1 - momentum) per channel, rounded to float32 after each
 * operation as the separate kernels of tf.layers' update round it.
 */
function movingAverage(moving: Float32Array, batch: Float32Array, momentum: number, out: Float32Array): void {
  const decay = Math.fround(1 - momentum);
  for (let c = 0; c < moving.length; c++) out[c] = moving[c]! - Math.fround(Math.fround(moving[c]! - batch[c]!) * decay);
}

/** Forward: batch statistics, the normalised output, what the backward pass needs, and the moving statistics. */
export function batchNormTraining(args: KernelArgs<BatchNormInputs, { epsilon: number; momentum: number; relu?: boolean }>): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, gamma, beta, movingMean, movingVariance } = inputs;
  const name = BATCH_NORM_TRAINING;
  requireFloat32(x, name, 'x');
  const [rows, C] = rowsAndChannels(x, name);
  for (const [t, what] of [[gamma, 'gamma'], [beta, 'beta'], [movingMean, 'movingMean'], [movingVariance, 'movingVariance']] as const) requireChannels(t, C, name, what);
  if (rows === 0) throw new Error(`${name} (wasm): x is empty, so it has no batch statistics`);
  const y = backend.makeOutput([...x.shape], 'float32');
  const meanOut = backend.makeOutput([C], 'float32');
  const varianceOut = backend.makeOutput([C], 'float32');
  const invStdOut = backend.makeOutput([C], 'float32');
  const movingMeanOut = backend.makeOutput([C], 'float32');
  const movingVarianceOut = backend.makeOutput([C], 'float32');
  const scaleOut = backend.makeOutput([C], 'float32');
  const shiftOut = backend.makeOutput([C], 'float32');
  // Sums of x - x[0] (the first row): a shift near the mean, see channelSumsJs.
  const first = heap(backend, x).slice(0, C);
  const [sum, sumSq] = channelSums(backend, x, x, rows, first, first);
  // Views are taken after the allocations above and inside channelSums: an allocation may move the heap.
  const g = heap(backend, gamma);
  const bt = heap(backend, beta);
  const mean = heap(backend, meanOut);
  const variance = heap(backend, varianceOut);
  const invStd = heap(backend, invStdOut);
  const scale = heap(backend, scaleOut);
  const shift = heap(backend, shiftOut);
  for (let c = 0; c < C; c++) {
    const d = sum[c]! / rows;
    const mu = first[c]! + d;
    // E[(x - x0)²] - E[x - x0]²; rounding may leave a tiny negative.
    const v = Math.max(0, sumSq[c]! / rows - d * d);
    const s = 1 / Math.sqrt(v + attrs.epsilon);
    mean[c] = mu;
    variance[c] = v;
    invStd[c] = s;
    scale[c] = g[c]! * s;
    shift[c] = bt[c]! - mu * g[c]! * s;
  }
  movingAverage(heap(backend, movingMean), mean, attrs.momentum, heap(backend, movingMeanOut));
  movingAverage(heap(backend, movingVariance), variance, attrs.momentum, heap(backend, movingVarianceOut));
  // Copies: affineRows allocates, which may move the heap under these views.
  affineRows(backend, y, x, undefined, [scale.slice(), new Float32Array(C), shift.slice()], rows, { relu: attrs.relu === true });
  return [y, meanOut, varianceOut, invStdOut, movingMeanOut, movingVarianceOut, scaleOut, shiftOut];
}

/**
 * Backward, with s = invStd, x̂ = (x - mean) s and M rows:
 * dBeta = Σ dy, dGamma = Σ dy x̂ = s Σ dy (x - mean), and
 * dx = gamma s (dy - dBeta / M - x̂ dGamma / M) = k1 dy + k2 x + k3 per channel.
 */
export function batchNormTrainingGrad(
  args: KernelArgs<{ dy: TensorInfo; x: TensorInfo; gamma: TensorInfo; mean: TensorInfo; invStd: TensorInfo; scale?: TensorInfo; shift?: TensorInfo }, { relu?: boolean }>,
): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { dy, x, gamma, mean, invStd, scale, shift } = inputs;
  const name = BATCH_NORM_TRAINING_GRAD;
  requireFloat32(dy, name, 'dy');
  requireFloat32(x, name, 'x');
  const [rows, C] = rowsAndChannels(x, name);
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${name} (wasm): dy shape [${dy.shape.join(', ')}] differs from x shape [${x.shape.join(', ')}]`);
  }
  for (const [t, what] of [[gamma, 'gamma'], [mean, 'mean'], [invStd, 'invStd']] as const) requireChannels(t, C, name, what);
  // Through the folded ReLU, dy counts only where the output was positive: x * scale + shift > 0.
  let mask: ReluMask | undefined;
  if (attrs.relu === true) {
    if (scale === undefined || shift === undefined) throw new Error(`${name} (wasm): relu needs the forward's scale and shift`);
    requireChannels(scale, C, name, 'scale');
    requireChannels(shift, C, name, 'shift');
    mask = { scale: heap(backend, scale).slice(), shift: heap(backend, shift).slice() };
  }
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dGammaOut = backend.makeOutput([C], 'float32');
  const dBetaOut = backend.makeOutput([C], 'float32');
  const mu = heap(backend, mean).slice();
  // Σ dy and Σ dy (x - mean).
  const [sumDy, sumDyXc] = channelSums(backend, dy, x, rows, new Float32Array(C), mu, mask);
  const g = heap(backend, gamma);
  const is = heap(backend, invStd);
  const dGamma = heap(backend, dGammaOut);
  const dBeta = heap(backend, dBetaOut);
  const k1 = new Float32Array(C);
  const k2 = new Float32Array(C);
  const k3 = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const s = is[c]!;
    const dg = s * sumDyXc[c]!;
    dGamma[c] = dg;
    dBeta[c] = sumDy[c]!;
    const a = g[c]! * s;
    const b = (-a * s * dg) / rows;
    k1[c] = a;
    k2[c] = b;
    k3[c] = (-a * sumDy[c]!) / rows - b * mu[c]!;
  }
  affineRows(backend, dx, dy, x, [k1, k2, k3], rows, mask === undefined ? {} : { mask });
  return [dx, dGammaOut, dBetaOut];
}

/**
 * The gradient of the forward kernel: the backward kernel once, its three results handed
 * to x, gamma and beta. Only y reaches the loss; the other outputs are statistics. The
 * moving statistics get no gradient, as in tf.layers.
 */
export const batchNormTrainingGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, false, true, false, false, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const [x, gamma, mean, invStd, scale, shift] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const relu = attrs['relu'] === true;
    const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x, gamma, mean, invStd, ...(relu ? { scale, shift } : {}) }, { relu }) as tf.Tensor[];
    return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta!, movingMean: () => tf.zerosLike(mean), movingVariance: () => tf.zerosLike(mean) };
  },
};
