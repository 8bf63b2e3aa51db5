/**
 * What every kernel of this folder shares: the types of kernel arguments, checks on inputs,
 * the wasm heap seen as floats, and calls to the backend's own kernels.
 *
 * Heap views: a `Float32Array` over the wasm heap becomes stale when the heap grows, and any
 * allocation (`makeOutput`, a kernel call) may grow it. So every kernel allocates first and
 * takes its views afterwards, and holds no view across a kernel call.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Conv2DInfo = tf.backend_util.Conv2DInfo;
export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type RoundingAttr = 'floor' | 'round' | 'ceil' | undefined;

export const BACKEND = 'wasm';

/** What a kernel function receives: its inputs, the wasm backend and its typed attributes. */
export interface KernelArgs<I, A> {
  inputs: I;
  backend: BackendWasm;
  attrs: A;
}

/** The kernels take the wasm backend and typed attributes; the registry's type is looser. */
export function asKernelFunc<I, A>(f: (args: KernelArgs<I, A>) => TensorInfo | TensorInfo[]): tf.KernelFunc {
  return f as unknown as tf.KernelFunc;
}

export function as4D(shape: readonly number[], what: string): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${what} must be rank 4, got shape [${shape.join(', ')}]`);
  return shape as [number, number, number, number];
}

export function requireFloat32(info: TensorInfo, kernel: string, what: string): void {
  if (info.dtype !== 'float32') throw new Error(`${kernel} (wasm): ${what} must be float32, got ${info.dtype}`);
}

/** The float32 tensor `info` as a view of the wasm heap; valid until the next allocation. */
export function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Runs the wasm backend's kernel `name` (whichever is registered now) on wasm tensors. */
export function runKernel(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/** a [rows, k] times b [k, cols] -> [rows, cols], by the backend's BatchMatMul (XNNPACK). */
export function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
}

/** The same data seen with another shape of the same size; no copy, no new reference. */
export function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}
