/**
 * Tile with block copies, replacing the backend's kernel; strings, rank 0 and reps that do
 * not match the rank still go to the backend's.
 *
 * Batch-norm training leans on Tile: its gradient tiles a [1, 1, 1, C] tensor to the full
 * activation shape. The backend's Tile computes an index per element, many times slower
 * than a copy.
 */
import type { KernelArgs, TensorInfo } from './common';
import { delegate } from './registry';

export function tile(args: KernelArgs<{ x: TensorInfo }, { reps: number[] }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rank = x.shape.length;
  if (x.dtype === 'string' || attrs.reps.length !== rank || rank === 0) return delegate('Tile', args);
  const outShape = x.shape.map((d, i) => d * attrs.reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  // outBlock[d]: elements of the output below axis d; inBlock[d]: the same for x.
  const outBlock = new Array<number>(rank + 1).fill(1);
  const inBlock = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    outBlock[d] = outBlock[d + 1]! * outShape[d]!;
    inBlock[d] = inBlock[d + 1]! * x.shape[d]!;
  }
  const fill = (d: number, xOff: number, oOff: number): void => {
    const n = x.shape[d]!;
    if (d === rank - 1) {
      dst.set(src.subarray(xOff, xOff + n), oOff);
    } else {
      for (let i = 0; i < n; i++) fill(d + 1, xOff + i * inBlock[d + 1]!, oOff + i * outBlock[d + 1]!);
    }
    // The first copy of this axis is in place; double it until all reps are there.
    const seg = n * outBlock[d + 1]!;
    const reps = attrs.reps[d]!;
    for (let done = 1; done < reps; ) {
      const k = Math.min(done, reps - done);
      dst.copyWithin(oOff + done * seg, oOff, oOff + k * seg);
      done += k;
    }
  };
  fill(0, 0, 0);
  return out;
}
