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
 * (channels-last data, as tf.layers trains); the passes run in WebAssembly SIMD where the
 * channel count is divisible by 4 (simd/simdKernels.ts), in JavaScript otherwise, and the
 * sums end in double precision either way.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heap, requireFloat32 } from './common';
import type { KernelArgs, TensorInfo } from './common';
import { simdKernels } from './simd/simdKernels';

/**
 * The forward kernel: inputs x, gamma, beta, movingMean, movingVariance; attrs epsilon,
 * momentum; outputs y, mean, variance (biased), 1/sqrt(variance + eps), and the moving mean
 * and variance updated as tf.layers updates them.
 */
export const BATCH_NORM_TRAINING = 'PruneLensBatchNormTraining';
/** The backward kernel: inputs dy, x, gamma, mean, invStd; outputs dx, dGamma, dBeta. */
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

/**
 * Per-channel sums over the rows m of a'[m, c] and of a'[m, c] * b'[m, c], where
 * a' = a - shiftA[c] and b' = b - shiftB[c] (b = a and equal shifts give the sum of squares).
 * Shifting by a value near the mean keeps the float32 sums of the SIMD path exact enough for
 * a variance; here, in double precision, it does no harm. Four rows per pass: a quarter of
 * the accumulator traffic.
 */
function channelSumsJs(a: Float32Array, b: Float32Array, rows: number, shiftA: Float32Array, shiftB: Float32Array): [Float64Array, Float64Array] {
  const C = shiftA.length;
  const s = new Float64Array(C);
  const p = new Float64Array(C);
  let m = 0;
  let off = 0;
  for (; m + 4 <= rows; m += 4, off += 4 * C) {
    const o1 = off + C;
    const o2 = o1 + C;
    const o3 = o2 + C;
    for (let c = 0; c < C; c++) {
      const [ka, kb] = [shiftA[c]!, shiftB[c]!];
      const a0 = a[off + c]! - ka;
      const a1 = a[o1 + c]! - ka;
      const a2 = a[o2 + c]! - ka;
      const a3 = a[o3 + c]! - ka;
      s[c] = s[c]! + (a0 + a1 + (a2 + a3));
      p[c] = p[c]! + (a0 * (b[off + c]! - kb) + a1 * (b[o1 + c]! - kb) + (a2 * (b[o2 + c]! - kb) + a3 * (b[o3 + c]! - kb)));
    }
  }
  for (; m < rows; m++, off += C) {
    for (let c = 0; c < C; c++) {
      const a0 = a[off + c]! - shiftA[c]!;
      s[c] = s[c]! + a0;
      p[c] = p[c]! + a0 * (b[off + c]! - shiftB[c]!);
    }
  }
  return [s, p];
}

/** Rows summed in float32 by the SIMD loop before their sums join the float64 totals. */
const SIMD_BLOCK_ROWS = 256;

/** channelSumsJs by the SIMD loops where they run (channels divisible by 4). */
function channelSums(backend: BackendWasm, a: TensorInfo, b: TensorInfo, rows: number, shiftA: Float32Array, shiftB: Float32Array): [Float64Array, Float64Array] {
  const C = shiftA.length;
  const simd = C % 4 === 0 ? simdKernels(backend) : undefined;
  if (simd === undefined) return channelSumsJs(heap(backend, a), heap(backend, b), rows, shiftA, shiftB);
  // Scratch: the two float32 accumulators, then the two shifts.
  const scratch = backend.makeOutput([4 * C], 'float32');
  const view = heap(backend, scratch);
  view.set(shiftA, 2 * C);
  view.set(shiftB, 3 * C);
  const [aAt, bAt, accAt, rowBytes] = [heap(backend, a).byteOffset, heap(backend, b).byteOffset, view.byteOffset, C * 4];
  const s = new Float64Array(C);
  const p = new Float64Array(C);
  for (let r0 = 0; r0 < rows; r0 += SIMD_BLOCK_ROWS) {
    view.fill(0, 0, 2 * C);
    const offset = r0 * rowBytes;
    simd.sums(aAt + offset, bAt + offset, rowBytes, Math.min(SIMD_BLOCK_ROWS, rows - r0), accAt, accAt + rowBytes, accAt + 2 * rowBytes, accAt + 3 * rowBytes);
    for (let c = 0; c < C; c++) {
      s[c] = s[c]! + view[c]!;
      p[c] = p[c]! + view[C + c]!;
    }
  }
  backend.disposeData(scratch.dataId);
  return [s, p];
}

/**
 * dst[m, c] = ka[c] a[m, c] + kb[c] b[m, c] + kc[c] (without the b term when b is undefined),
 * by the SIMD loops where they run.
 */
function affineRows(backend: BackendWasm, dst: TensorInfo, a: TensorInfo, b: TensorInfo | undefined, k: [Float32Array, Float32Array, Float32Array], rows: number): void {
  const C = k[0].length;
  const simd = C % 4 === 0 ? simdKernels(backend) : undefined;
  if (simd !== undefined) {
    const coefficients = backend.makeOutput([3 * C], 'float32');
    const kv = heap(backend, coefficients);
    k.forEach((values, i) => kv.set(values, i * C));
    const [kAt, rowBytes] = [kv.byteOffset, C * 4];
    const [dAt, aAt] = [heap(backend, dst).byteOffset, heap(backend, a).byteOffset];
    if (b === undefined) simd.affine(dAt, aAt, rowBytes, rows, kAt, kAt + 2 * rowBytes);
    else simd.affine2(dAt, aAt, heap(backend, b).byteOffset, rowBytes, rows, kAt, kAt + rowBytes, kAt + 2 * rowBytes);
    backend.disposeData(coefficients.dataId);
    return;
  }
  const [ka, kb, kc] = k;
  const dv = heap(backend, dst);
  const av = heap(backend, a);
  const bv = b === undefined ? undefined : heap(backend, b);
  for (let off = 0; off < rows * C; off += C) {
    if (bv === undefined) for (let c = 0; c < C; c++) dv[off + c] = av[off + c]! * ka[c]! + kc[c]!;
    else for (let c = 0; c < C; c++) dv[off + c] = av[off + c]! * ka[c]! + bv[off + c]! * kb[c]! + kc[c]!;
  }
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
export function batchNormTraining(args: KernelArgs<BatchNormInputs, { epsilon: number; momentum: number }>): TensorInfo[] {
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
  // Sums of x - x[0] (the first row): a shift near the mean, see channelSumsJs.
  const first = heap(backend, x).slice(0, C);
  const [sum, sumSq] = channelSums(backend, x, x, rows, first, first);
  // Views are taken after the allocations above and inside channelSums: an allocation may move the heap.
  const g = heap(backend, gamma);
  const bt = heap(backend, beta);
  const mean = heap(backend, meanOut);
  const variance = heap(backend, varianceOut);
  const invStd = heap(backend, invStdOut);
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
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
  affineRows(backend, y, x, undefined, [scale, new Float32Array(C), shift], rows);
  return [y, meanOut, varianceOut, invStdOut, movingMeanOut, movingVarianceOut];
}

/**
 * Backward, with s = invStd, x̂ = (x - mean) s and M rows:
 * dBeta = Σ dy, dGamma = Σ dy x̂ = s Σ dy (x - mean), and
 * dx = gamma s (dy - dBeta / M - x̂ dGamma / M) = k1 dy + k2 x + k3 per channel.
 */
export function batchNormTrainingGrad(
  args: KernelArgs<{ dy: TensorInfo; x: TensorInfo; gamma: TensorInfo; mean: TensorInfo; invStd: TensorInfo }, Record<string, never>>,
): TensorInfo[] {
  const { inputs, backend } = args;
  const { dy, x, gamma, mean, invStd } = inputs;
  const name = BATCH_NORM_TRAINING_GRAD;
  requireFloat32(dy, name, 'dy');
  requireFloat32(x, name, 'x');
  const [rows, C] = rowsAndChannels(x, name);
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${name} (wasm): dy shape [${dy.shape.join(', ')}] differs from x shape [${x.shape.join(', ')}]`);
  }
  for (const [t, what] of [[gamma, 'gamma'], [mean, 'mean'], [invStd, 'invStd']] as const) requireChannels(t, C, name, what);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dGammaOut = backend.makeOutput([C], 'float32');
  const dBetaOut = backend.makeOutput([C], 'float32');
  const mu = heap(backend, mean).slice();
  // Σ dy and Σ dy (x - mean).
  const [sumDy, sumDyXc] = channelSums(backend, dy, x, rows, new Float32Array(C), mu);
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
  affineRows(backend, dx, dy, x, [k1, k2, k3], rows);
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
  outputsToSave: [false, true, false, true, false, false],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const [x, gamma, mean, invStd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x, gamma, mean, invStd }, {}) as tf.Tensor[];
    return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta!, movingMean: () => tf.zerosLike(mean), movingVariance: () => tf.zerosLike(mean) };
  },
};
