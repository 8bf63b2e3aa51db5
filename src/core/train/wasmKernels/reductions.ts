/**
 * Sum and Mean over the leading axes (N, H, W of NHWC) with a row-accumulating loop,
 * replacing the backend's kernels; any other reduction goes to them.
 *
 * Batch-norm training leans on these: its gradient sums over the batch and spatial axes,
 * and the forward pass takes means over the same axes. The backend's Sum and Mean
 * transpose the input first, which makes them many times slower than one pass over it.
 */
import * as tf from '@tensorflow/tfjs';
import { heap } from './common';
import type { KernelArgs, TensorInfo } from './common';
import { delegate } from './registry';

type ReduceArgs = KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>;

export function sumLeading(args: ReduceArgs): TensorInfo {
  return reduceLeading(args, false);
}

export function meanLeading(args: ReduceArgs): TensorInfo {
  return reduceLeading(args, true);
}

/**
 * Sum or Mean over the leading axes [0, k) of a float32 tensor (e.g. N, H, W of NHWC),
 * accumulated in double precision; any other reduction goes to the backend's kernel.
 */
function reduceLeading(args: ReduceArgs, mean: boolean): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const name = mean ? 'Mean' : 'Sum';
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return delegate(name, args);
  const axes = [...new Set(tf.util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return delegate(name, args);
  let outer = 1;
  for (let d = 0; d < k; d++) outer *= x.shape[d]!;
  const keptShape = x.shape.slice(k);
  let inner = 1;
  for (const d of keptShape) inner *= d;
  const outShape = attrs.keepDims ? [...new Array<number>(k).fill(1), ...keptShape] : keptShape;
  const out = backend.makeOutput(outShape, 'float32');
  const src = heap(backend, x);
  const dst = heap(backend, out);
  if (outer === 0) {
    dst.fill(mean ? NaN : 0);
    return out;
  }
  const acc = new Float64Array(inner);
  // Eight rows per pass: an eighth of the accumulator traffic.
  let m = 0;
  let off = 0;
  for (; m + 8 <= outer; m += 8, off += 8 * inner) {
    const o1 = off + inner;
    const o2 = o1 + inner;
    const o3 = o2 + inner;
    const o4 = o3 + inner;
    const o5 = o4 + inner;
    const o6 = o5 + inner;
    const o7 = o6 + inner;
    for (let j = 0; j < inner; j++) {
      const a = src[off + j]! + src[o1 + j]! + (src[o2 + j]! + src[o3 + j]!);
      const b = src[o4 + j]! + src[o5 + j]! + (src[o6 + j]! + src[o7 + j]!);
      acc[j] = acc[j]! + (a + b);
    }
  }
  for (; m < outer; m++, off += inner) {
    for (let j = 0; j < inner; j++) acc[j] = acc[j]! + src[off + j]!;
  }
  if (mean) for (let j = 0; j < inner; j++) acc[j] = acc[j]! / outer;
  dst.set(acc);
  return out;
}
