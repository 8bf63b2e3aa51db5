/**
 * FusedBatchNorm by the backend's own broadcasting kernels, replacing its batch-norm loop,
 * which training runs on full activation tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { heap, runKernel } from './common';
import type { KernelArgs, TensorInfo } from './common';
import { delegate } from './registry';

/**
 * Batch normalisation with per-channel (last axis) or scalar statistics, as
 * y = (x - mean) * a + offset with a = scale / sqrt(variance + eps) worked out per channel;
 * the three broadcast passes over x run in the backend's (XNNPACK) Sub, Multiply and Add,
 * together several times faster than its batch-norm loop. Other broadcasts go to the
 * backend's kernel.
 */
export function batchNorm(
  args: KernelArgs<
    { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo },
    { varianceEpsilon: number }
  >,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, mean, variance, offset, scale } = inputs;
  const rank = x.shape.length;
  const C = rank === 0 ? 1 : x.shape[rank - 1]!;
  // Each statistic must be a scalar or hold exactly one value per channel.
  const fits = (t: TensorInfo | undefined): boolean => {
    if (t === undefined || t === null) return true;
    if (t.dtype !== 'float32') return false;
    const n = tf.util.sizeFromShape(t.shape);
    return n === 1 || (n === C && t.shape.length > 0 && t.shape[t.shape.length - 1] === C);
  };
  if (x.dtype !== 'float32' || rank === 0 || tf.util.sizeFromShape(x.shape) === 0 || ![mean, variance, offset, scale].every(fits)) {
    return delegate('FusedBatchNorm', args);
  }
  const muInfo = backend.makeOutput([C], 'float32');
  const aInfo = backend.makeOutput([C], 'float32');
  const bInfo = backend.makeOutput([C], 'float32');
  {
    const perChannel = (t: TensorInfo | undefined, fallback: number): Float64Array => {
      const v = new Float64Array(C).fill(fallback);
      if (t === undefined || t === null) return v;
      const h = heap(backend, t);
      if (h.length === 1) v.fill(h[0]!);
      else for (let c = 0; c < C; c++) v[c] = h[c]!;
      return v;
    };
    const vr = perChannel(variance, 1);
    const sc = perChannel(scale, 1);
    heap(backend, muInfo).set(perChannel(mean, 0));
    heap(backend, bInfo).set(perChannel(offset, 0));
    const a = heap(backend, aInfo);
    for (let c = 0; c < C; c++) a[c] = sc[c]! / Math.sqrt(vr[c]! + attrs.varianceEpsilon);
  }
  const centred = runKernel('Sub', backend, { a: x, b: muInfo }, {});
  const scaled = runKernel('Multiply', backend, { a: centred, b: aInfo }, {});
  const out = runKernel('Add', backend, { a: scaled, b: bInfo }, {});
  for (const t of [centred, scaled, muInfo, aInfo, bInfo]) backend.disposeData(t.dataId);
  return out;
}
