/**
 * Loops of the training kernels in WebAssembly SIMD, four channels per instruction, working
 * in place on the wasm backend's heap (the module imports the backend's own memory).
 *
 * The same loops in JavaScript run at 2-5 ns per element (scalar, with float32/float64
 * conversions on every load and store); here at a fraction of a nanosecond. Every function
 * takes byte addresses in the heap and works on rows of `rowBytes` bytes, a multiple of 16
 * (channel counts divisible by 4); callers check that and keep a JavaScript path for the rest.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { emitModule } from './wasmEmitter';
import type { Code, FunctionSpec, Local } from './wasmEmitter';

/** Addresses of C floats each: a lane counts where b * scale + shift > 0 (see SimdKernels.sums). */
export interface RowMask {
  readonly scale: number;
  readonly shift: number;
}

export interface SimdKernels {
  /**
   * With a' = a - shiftA[c] and b' = b - shiftB[c]: accA[c] += Σ_rows a'[r, c] and
   * accAB[c] += Σ_rows a'[r, c] * b'[r, c], accA and accAB float64 (C each). Blocks of
   * SUM_BLOCK_ROWS rows are summed in float32 in `scratch` (2C floats, zero on entry and on
   * return) and then added in float64: whole-tensor float32 sums are not accurate enough for
   * BatchNorm's gradient. The shifts keep the products small where the data have a large
   * mean. With `mask`, a counts only where b[r, c] * mask.scale[c] + mask.shift[c] > 0: the
   * gradient through a ReLU whose output affine() computed from b with those coefficients.
   */
  sums(a: number, b: number, rowBytes: number, rows: number, accA: number, accAB: number, shiftA: number, shiftB: number, scratch: number, mask?: RowMask): void;
  /** dst[r, c] = a[r, c] * ka[c] + kc[c], with `relu` max(0, ·) of that. */
  affine(dst: number, a: number, rowBytes: number, rows: number, ka: number, kc: number, relu: boolean): void;
  /** dst[r, c] = a[r, c] * ka[c] + b[r, c] * kb[c] + kc[c], with `mask` as in sums. */
  affine2(dst: number, a: number, b: number, rowBytes: number, rows: number, ka: number, kb: number, kc: number, mask?: RowMask): void;
  /**
   * acc[c] += Σ x[n, i, j, c] * dy[n, i, j, c] over `images` x `height` x `width` positions,
   * each operand stepping by its own image, row and column strides (bytes); one tap of a
   * depthwise filter gradient.
   */
  depthwiseTap(
    x: number,
    dy: number,
    acc: number,
    rowBytes: number,
    images: number,
    height: number,
    width: number,
    xStrides: Int32Array,
    dyStrides: Int32Array,
  ): void;
  /**
   * dst[n, i, j, c] += w[c] * src[n, i, j, c] over `images` x `height` x `width` positions,
   * each operand stepping by its own strides (bytes); one tap of a depthwise convolution
   * (src = x, dst = y) or of its input gradient (src = dy, dst = dx).
   */
  depthwiseTapInto(
    dst: number,
    src: number,
    w: number,
    rowBytes: number,
    images: number,
    height: number,
    width: number,
    dstStrides: Int32Array,
    srcStrides: Int32Array,
  ): void;
  /** dst = dy where y > 0, else 0, over `bytes` bytes (a multiple of 16). */
  reluGrad(dst: number, dy: number, y: number, bytes: number): void;
  /**
   * SGD with momentum over `bytes` bytes: newAcc = m acc + grad, newVal = c newAcc + val, with
   * m and c read as four-lane vectors at `coefficients` and `coefficients + 16`.
   */
  momentum(newAcc: number, newVal: number, acc: number, val: number, grad: number, bytes: number, coefficients: number): void;
}

/** Pushes the address base + offset. */
function at(code: Code, base: Local, offset: Local): Code {
  return code.get(base).get(offset).add();
}

/**
 * Pushes the vector at a + o, zeroed in the lanes where b * scale + shift (b at b + o, scale
 * and shift at their o) is not positive: computed in the order affineRelu computes its
 * output, so the lanes are exactly those where that output was positive.
 */
function loadMasked(c: Code, a: Local, b: Local, mask: { scale: Local; shift: Local } | undefined, o: Local): void {
  at(c, a, o).load();
  if (mask === undefined) return;
  at(c, b, o).load();
  at(c, mask.scale, o).load().fmul();
  at(c, mask.shift, o).load().fadd().f32(0).splat().fgt().and();
}

/** Rows the sums kernel adds in float32 before adding their sums in float64. */
const SUM_BLOCK_ROWS = 16;

/** acc64[2o..] += the four float32 at acc32[o] as float64, and acc32[o] = 0. */
function flushToFloat64(c: Code, acc32: Local, acc64: Local, o: Local, v: Local): void {
  at(c, acc32, o).load().set(v);
  // acc64 holds 8 bytes per channel: byte offset 2 o.
  c.get(acc64).get(o).add().get(o).add();
  c.get(acc64).get(o).add().get(o).add().load().get(v).promoteLow().dadd().store();
  c.get(acc64).get(o).add().get(o).add();
  c.get(acc64).get(o).add().get(o).add().load(16).get(v).get(v).highToLow().promoteLow().dadd().store(16);
  at(c, acc32, o).f32(0).splat().store();
}

/** Params a, b, rowBytes, rows, accA, accAB, shiftA, shiftB, scratch (and the mask's scale, shift): see SimdKernels.sums. */
function sumsFunction(name: string, masked: boolean): FunctionSpec {
  return {
    name,
    params: masked ? 11 : 9,
    build: (c) => {
      const [a, b, rowBytes, rows, accA, accAB, shiftA, shiftB, scratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
      const mask = masked ? { scale: 9, shift: 10 } : undefined;
      const [r0, end, r, o, scratchAB] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
      const v = c.local('v128');
      c.get(scratch).get(rowBytes).add().set(scratchAB);
      c.loop(r0, () => c.i32(0), () => c.get(rows), SUM_BLOCK_ROWS, () => {
        // end = min(r0 + SUM_BLOCK_ROWS, rows)
        c.get(r0).i32(SUM_BLOCK_ROWS).add().get(rows).get(r0).i32(SUM_BLOCK_ROWS).add().get(rows).ltS().select().set(end);
        c.loop(r, () => c.get(r0), () => c.get(end), 1, () => {
          c.loop(o, () => c.i32(0), () => c.get(rowBytes), 16, () => {
            loadMasked(c, a, b, mask, o);
            at(c, shiftA, o).load().fsub().set(v);
            at(c, scratch, o);
            at(c, scratch, o).load().get(v).fadd().store();
            at(c, scratchAB, o);
            at(c, scratchAB, o).load().get(v);
            at(c, b, o).load();
            at(c, shiftB, o).load().fsub().fmul().fadd().store();
          });
          c.addTo(a, rowBytes, true).addTo(b, rowBytes, true);
        });
        c.loop(o, () => c.i32(0), () => c.get(rowBytes), 16, () => {
          flushToFloat64(c, scratch, accA, o, v);
          flushToFloat64(c, scratchAB, accAB, o, v);
        });
      });
    },
  };
}

/** Params dst, a, rowBytes, rows, ka, kc: see SimdKernels.affine. */
function affineFunction(name: string, relu: boolean): FunctionSpec {
  return {
    name,
    params: 6,
    build: (c) => {
      const [dst, a, rowBytes, rows, ka, kc] = [0, 1, 2, 3, 4, 5];
      const r = c.local('i32');
      const o = c.local('i32');
      c.loop(r, () => c.i32(0), () => c.get(rows), 1, () => {
        c.loop(o, () => c.i32(0), () => c.get(rowBytes), 16, () => {
          at(c, dst, o);
          at(c, a, o).load();
          at(c, ka, o).load().fmul();
          at(c, kc, o).load().fadd();
          if (relu) c.f32(0).splat().fmax();
          c.store();
        });
        c.addTo(dst, rowBytes, true).addTo(a, rowBytes, true);
      });
    },
  };
}

/** Params dst, a, b, rowBytes, rows, ka, kb, kc (and the mask's scale, shift): see SimdKernels.affine2. */
function affine2Function(name: string, masked: boolean): FunctionSpec {
  return {
    name,
    params: masked ? 10 : 8,
    build: (c) => {
      const [dst, a, b, rowBytes, rows, ka, kb, kc] = [0, 1, 2, 3, 4, 5, 6, 7];
      const mask = masked ? { scale: 8, shift: 9 } : undefined;
      const r = c.local('i32');
      const o = c.local('i32');
      c.loop(r, () => c.i32(0), () => c.get(rows), 1, () => {
        c.loop(o, () => c.i32(0), () => c.get(rowBytes), 16, () => {
          at(c, dst, o);
          loadMasked(c, a, b, mask, o);
          at(c, ka, o).load().fmul();
          at(c, b, o).load();
          at(c, kb, o).load().fmul().fadd();
          at(c, kc, o).load().fadd().store();
        });
        c.addTo(dst, rowBytes, true).addTo(a, rowBytes, true).addTo(b, rowBytes, true);
      });
    },
  };
}

/**
 * A loop over images x height x width positions of two strided operands a and b, running
 * `inner` on every 16-byte group of the row at each position. Parameters: a, b, w, rowBytes,
 * images, height, width, then a's image, row and column strides and b's (bytes).
 */
function depthwiseTapFunction(name: string, inner: (c: Code, a: Local, b: Local, w: Local, o: Local) => void): FunctionSpec {
  return {
    name,
    params: 13,
    build: (c) => {
      const [a, b, w, rowBytes, images, height, width, aImage, aRow, aCol, bImage, bRow, bCol] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
      const [n, i, j, o] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
      const [pa, pb, qa, qb] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
      c.loop(n, () => c.i32(0), () => c.get(images), 1, () => {
        c.get(a).set(pa).get(b).set(pb);
        c.loop(i, () => c.i32(0), () => c.get(height), 1, () => {
          c.get(pa).set(qa).get(pb).set(qb);
          c.loop(j, () => c.i32(0), () => c.get(width), 1, () => {
            c.loop(o, () => c.i32(0), () => c.get(rowBytes), 16, () => inner(c, qa, qb, w, o));
            c.addTo(qa, aCol, true).addTo(qb, bCol, true);
          });
          c.addTo(pa, aRow, true).addTo(pb, bRow, true);
        });
        c.addTo(a, aImage, true).addTo(b, bImage, true);
      });
    },
  };
}

const FUNCTIONS: FunctionSpec[] = [
  sumsFunction('sums', false),
  sumsFunction('sumsMasked', true),
  affineFunction('affine', false),
  affineFunction('affineRelu', true),
  affine2Function('affine2', false),
  affine2Function('affine2Masked', true),
  depthwiseTapFunction('depthwiseTap', (c, a, b, w, o) => {
    // acc[c] += x * dy: a = x, b = dy, w = acc.
    at(c, w, o);
    at(c, w, o).load();
    at(c, a, o).load();
    at(c, b, o).load().fmul().fadd().store();
  }),
  depthwiseTapFunction('depthwiseTapInto', (c, a, b, w, o) => {
    // dst += w * src: a = dst, b = src.
    at(c, a, o);
    at(c, a, o).load();
    at(c, w, o).load();
    at(c, b, o).load().fmul().fadd().store();
  }),
  {
    name: 'reluGrad',
    params: 4, // dst, dy, y, bytes
    build: (c) => {
      const [dst, dy, y, bytes] = [0, 1, 2, 3];
      const o = c.local('i32');
      c.loop(o, () => c.i32(0), () => c.get(bytes), 16, () => {
        at(c, dst, o);
        at(c, dy, o).load();
        at(c, y, o).load().f32(0).splat().fgt().and().store();
      });
    },
  },
  {
    name: 'momentum',
    params: 7, // newAcc, newVal, acc, val, grad, bytes, coefficients
    build: (c) => {
      const [newAcc, newVal, acc, val, grad, bytes, coefficients] = [0, 1, 2, 3, 4, 5, 6];
      const o = c.local('i32');
      const a = c.local('v128');
      c.loop(o, () => c.i32(0), () => c.get(bytes), 16, () => {
        at(c, acc, o).load();
        c.get(coefficients).load().fmul();
        at(c, grad, o).load().fadd().set(a);
        at(c, newAcc, o).get(a).store();
        at(c, newVal, o).get(a);
        c.get(coefficients).load(16).fmul();
        at(c, val, o).load().fadd().store();
      });
    },
  },
];

interface Exports {
  sums(...args: number[]): void;
  sumsMasked(...args: number[]): void;
  affine(...args: number[]): void;
  affineRelu(...args: number[]): void;
  affine2(...args: number[]): void;
  affine2Masked(...args: number[]): void;
  depthwiseTap(...args: number[]): void;
  depthwiseTapInto(...args: number[]): void;
  reluGrad(...args: number[]): void;
  momentum(...args: number[]): void;
}

/** The parts of the WebAssembly JavaScript API used here (the project's type libraries lack them). */
interface WebAssemblyApi {
  readonly Memory: abstract new (...args: never[]) => { readonly buffer: ArrayBuffer };
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const instances = new WeakMap<BackendWasm, SimdKernels | null>();
let enabled = true;

/** The backend's heap memory, if its module exposes it (Emscripten's `asm.memory`). */
function heapMemory(backend: BackendWasm): object | undefined {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; HEAPU8?: Uint8Array };
  const memory = module.asm?.memory;
  return memory instanceof wasmApi.Memory && memory.buffer === module.HEAPU8?.buffer ? memory : undefined;
}

function instantiate(backend: BackendWasm): SimdKernels | null {
  const memory = heapMemory(backend);
  if (memory === undefined) return null;
  let e: Exports;
  try {
    const module = new wasmApi.Module(emitModule(FUNCTIONS));
    e = new wasmApi.Instance(module, { env: { memory } }).exports as unknown as Exports;
  } catch {
    // No SIMD in this engine: the callers keep their JavaScript loops.
    return null;
  }
  return {
    sums: (a, b, rowBytes, rows, accA, accAB, shiftA, shiftB, scratch, mask) =>
      mask === undefined
        ? e.sums(a, b, rowBytes, rows, accA, accAB, shiftA, shiftB, scratch)
        : e.sumsMasked(a, b, rowBytes, rows, accA, accAB, shiftA, shiftB, scratch, mask.scale, mask.shift),
    affine: (dst, a, rowBytes, rows, ka, kc, relu) => (relu ? e.affineRelu : e.affine)(dst, a, rowBytes, rows, ka, kc),
    affine2: (dst, a, b, rowBytes, rows, ka, kb, kc, mask) =>
      mask === undefined ? e.affine2(dst, a, b, rowBytes, rows, ka, kb, kc) : e.affine2Masked(dst, a, b, rowBytes, rows, ka, kb, kc, mask.scale, mask.shift),
    depthwiseTap: (x, dy, acc, rowBytes, images, height, width, xs, dys) =>
      e.depthwiseTap(x, dy, acc, rowBytes, images, height, width, xs[0]!, xs[1]!, xs[2]!, dys[0]!, dys[1]!, dys[2]!),
    depthwiseTapInto: (dst, src, w, rowBytes, images, height, width, ds, ss) =>
      e.depthwiseTapInto(dst, src, w, rowBytes, images, height, width, ds[0]!, ds[1]!, ds[2]!, ss[0]!, ss[1]!, ss[2]!),
    reluGrad: (dst, dy, y, bytes) => e.reluGrad(dst, dy, y, bytes),
    momentum: (newAcc, newVal, acc, val, grad, bytes, coefficients) => e.momentum(newAcc, newVal, acc, val, grad, bytes, coefficients),
  };
}

/** The SIMD loops working on this backend's heap, or undefined where they cannot run. */
export function simdKernels(backend: BackendWasm): SimdKernels | undefined {
  if (!enabled) return undefined;
  let k = instances.get(backend);
  if (k === undefined) {
    k = instantiate(backend);
    instances.set(backend, k);
  }
  return k ?? undefined;
}

/** Turns the SIMD loops off (true turns them back on), leaving the JavaScript ones; for measurements and tests. */
export function useSimd(on: boolean): void {
  enabled = on;
}
