/**
 * The two kinds of pass the fused BatchNorm kernels make over channels-last data seen as
 * rows of C channels: per-channel sums over the rows, and a per-channel affine map of one or
 * two tensors into a third. Both run in WebAssembly SIMD where the channel count is
 * divisible by 4 (simd/simdKernels.ts) and in JavaScript otherwise; sums are in double
 * precision either way (the SIMD loop adds float32 sums of a few rows in float64). An optional ReLU is folded in: the forward map can rectify its
 * result, and both backward passes can take a tensor's values only where a mask (the
 * rectified output) is positive.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heap } from './common';
import type { TensorInfo } from './common';
import { simdKernels } from './simd/simdKernels';

/**
 * A ReLU mask recomputed per element from b: positive where b * scale[c] + shift[c] > 0,
 * with the forward's per-channel coefficients (`affineRows` with relu computes its output
 * in exactly this order).
 */
export interface ReluMask {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

/** Whether b * scale + shift is positive, rounded as the forward rounded it. */
function positive(b: number, scale: number, shift: number): boolean {
  return Math.fround(Math.fround(b * scale) + shift) > 0;
}

/** The SIMD loops, when they can run on rows of C channels. */
function simdFor(backend: BackendWasm, C: number): ReturnType<typeof simdKernels> {
  return C % 4 === 0 ? simdKernels(backend) : undefined;
}

/**
 * Per-channel sums over the rows m of a'[m, c] and of a'[m, c] * b'[m, c], where
 * a' = a - shiftA[c] (a counted only where the mask of b is positive, when one is given) and
 * b' = b - shiftB[c]; b = a and equal shifts give the sum of squares. Shifting by a value
 * near the mean keeps the products, and the float32 block sums of the SIMD loop, small.
 */
export function channelSums(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  rows: number,
  shiftA: Float32Array,
  shiftB: Float32Array,
  mask?: ReluMask,
): [Float64Array, Float64Array] {
  const C = shiftA.length;
  const s = new Float64Array(C);
  const p = new Float64Array(C);
  const simd = simdFor(backend, C);
  if (simd === undefined) {
    const [av, bv] = [heap(backend, a), heap(backend, b)];
    for (let off = 0; off < rows * C; off += C) {
      for (let c = 0; c < C; c++) {
        const raw = mask === undefined || positive(bv[off + c]!, mask.scale[c]!, mask.shift[c]!) ? av[off + c]! : 0;
        const a0 = raw - shiftA[c]!;
        s[c] = s[c]! + a0;
        p[c] = p[c]! + a0 * (bv[off + c]! - shiftB[c]!);
      }
    }
    return [s, p];
  }
  // Scratch, in floats: the two float64 accumulators (4C), the two shifts (2C), the float32
  // block sums (2C), the mask's coefficients (2C).
  const scratch = backend.makeOutput([10 * C], 'float32');
  const view = heap(backend, scratch);
  view.fill(0);
  view.set(shiftA, 4 * C);
  view.set(shiftB, 5 * C);
  const rowBytes = C * 4;
  const at = view.byteOffset;
  if (mask !== undefined) {
    view.set(mask.scale, 8 * C);
    view.set(mask.shift, 9 * C);
  }
  const maskAt = mask === undefined ? undefined : { scale: at + 8 * rowBytes, shift: at + 9 * rowBytes };
  simd.sums(heap(backend, a).byteOffset, heap(backend, b).byteOffset, rowBytes, rows, at, at + 2 * rowBytes, at + 4 * rowBytes, at + 5 * rowBytes, at + 6 * rowBytes, maskAt);
  const totals = new Float64Array(view.buffer, at, 2 * C);
  s.set(totals.subarray(0, C));
  p.set(totals.subarray(C, 2 * C));
  backend.disposeData(scratch.dataId);
  return [s, p];
}

export interface AffineOptions {
  /** Rectify the result: max(0, ·). */
  readonly relu?: boolean;
  /** Take a only where the mask of b is positive (0 elsewhere). */
  readonly mask?: ReluMask;
}

/**
 * dst[m, c] = ka[c] a[m, c] + kb[c] b[m, c] + kc[c], without the b term when b is undefined;
 * see AffineOptions for the ReLU variants.
 */
export function affineRows(
  backend: BackendWasm,
  dst: TensorInfo,
  a: TensorInfo,
  b: TensorInfo | undefined,
  k: readonly [Float32Array, Float32Array, Float32Array],
  rows: number,
  options: AffineOptions = {},
): void {
  const C = k[0].length;
  const simd = simdFor(backend, C);
  if (simd !== undefined) {
    const coefficients = backend.makeOutput([5 * C], 'float32');
    const kv = heap(backend, coefficients);
    k.forEach((values, i) => kv.set(values, i * C));
    const [kAt, rowBytes] = [kv.byteOffset, C * 4];
    const [dAt, aAt] = [heap(backend, dst).byteOffset, heap(backend, a).byteOffset];
    let maskAt: { scale: number; shift: number } | undefined;
    if (options.mask !== undefined) {
      kv.set(options.mask.scale, 3 * C);
      kv.set(options.mask.shift, 4 * C);
      maskAt = { scale: kAt + 3 * rowBytes, shift: kAt + 4 * rowBytes };
    }
    if (b === undefined) simd.affine(dAt, aAt, rowBytes, rows, kAt, kAt + 2 * rowBytes, options.relu === true);
    else simd.affine2(dAt, aAt, heap(backend, b).byteOffset, rowBytes, rows, kAt, kAt + rowBytes, kAt + 2 * rowBytes, maskAt);
    backend.disposeData(coefficients.dataId);
    return;
  }
  const [ka, kb, kc] = k;
  const dv = heap(backend, dst);
  const av = heap(backend, a);
  const bv = b === undefined ? undefined : heap(backend, b);
  const mask = options.mask;
  for (let off = 0; off < rows * C; off += C) {
    for (let c = 0; c < C; c++) {
      const i = off + c;
      if (bv === undefined) {
        // Rounded as the SIMD loop rounds, so that `positive` recomputes the ReLU's mask exactly.
        const v = Math.fround(Math.fround(av[i]! * ka[c]!) + kc[c]!);
        dv[i] = options.relu === true ? Math.max(0, v) : v;
      } else {
        const av0 = mask === undefined || positive(bv[i]!, mask.scale[c]!, mask.shift[c]!) ? av[i]! : 0;
        dv[i] = av0 * ka[c]! + bv[i]! * kb[c]! + kc[c]!;
      }
    }
  }
}
