/**
 * One SGD-with-momentum update of a variable as one pass (simd/simdKernels.ts), for the
 * optimizer in ../momentumOptimizer.ts: tf.train.momentum spends four kernels and two
 * full-size temporaries per variable and step.
 */
import * as tf from '@tensorflow/tfjs';
import { heap, requireFloat32 } from './common';
import type { KernelArgs, TensorInfo } from './common';
import { simdKernels } from './simd/simdKernels';

/** Inputs value, accumulation, gradient; attrs momentum, learningRate; outputs the new accumulation and value. */
export const MOMENTUM_UPDATE = 'PruneLensMomentumUpdate';

/**
 * newAccumulation = momentum * accumulation + gradient and newValue = -learningRate *
 * newAccumulation + value, rounded to float32 after each operation as tf.train.momentum's
 * separate kernels round them.
 */
export function momentumUpdate(
  args: KernelArgs<{ value: TensorInfo; accumulation: TensorInfo; gradient: TensorInfo }, { momentum: number; learningRate: number }>,
): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { value, accumulation, gradient } = inputs;
  for (const [t, what] of [[value, 'value'], [accumulation, 'accumulation'], [gradient, 'gradient']] as const) requireFloat32(t, MOMENTUM_UPDATE, what);
  const n = tf.util.sizeFromShape(value.shape);
  if (tf.util.sizeFromShape(accumulation.shape) !== n || tf.util.sizeFromShape(gradient.shape) !== n) {
    throw new Error(`${MOMENTUM_UPDATE} (wasm): value, accumulation and gradient differ in size`);
  }
  const m = Math.fround(attrs.momentum);
  const c = Math.fround(-attrs.learningRate);
  const newAcc = backend.makeOutput([...value.shape], 'float32');
  const newVal = backend.makeOutput([...value.shape], 'float32');
  const simd = simdKernels(backend);
  const vectorised = simd === undefined ? 0 : n - (n % 4);
  if (simd !== undefined && vectorised > 0) {
    const coefficients = backend.makeOutput([8], 'float32');
    const k = heap(backend, coefficients);
    k.fill(m, 0, 4);
    k.fill(c, 4, 8);
    const at = (t: TensorInfo): number => heap(backend, t).byteOffset;
    simd.momentum(at(newAcc), at(newVal), at(accumulation), at(value), at(gradient), vectorised * 4, k.byteOffset);
    backend.disposeData(coefficients.dataId);
  }
  const [a, v, g, na, nv] = [accumulation, value, gradient, newAcc, newVal].map((t) => heap(backend, t)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = vectorised; i < n; i++) {
    const acc = Math.fround(Math.fround(m * a[i]!) + g[i]!);
    na[i] = acc;
    nv[i] = Math.fround(c * acc) + v[i]!;
  }
  return [newAcc, newVal];
}
