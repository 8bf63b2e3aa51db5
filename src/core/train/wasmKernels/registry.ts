/**
 * Registering a replacement for one of the wasm backend's kernels while keeping the
 * backend's own, so that a replacement can hand it the cases it does not take.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend and its kernels first, so that the replacements find them.
import '@tensorflow/tfjs-backend-wasm';
import { asKernelFunc, BACKEND } from './common';
import type { KernelArgs, TensorInfo } from './common';

/** The backend's own kernels that a replacement hands the cases it does not take. */
const originals = new Map<string, tf.KernelFunc>();

function original(name: string): tf.KernelFunc {
  const f = originals.get(name);
  if (f === undefined) throw new Error(`${name} (wasm): the backend has no such kernel`);
  return f;
}

/** Calls the backend's own kernel `name` with the arguments a replacement received. */
export function delegate<I, A>(name: string, args: KernelArgs<I, A>): TensorInfo {
  return original(name)(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

/**
 * Registers `kernelFunc` as the wasm backend's kernel `name`, replacing (and keeping, for
 * delegation) the backend's own where it has one. The backend's setup (which binds its wasm
 * function) must still run when the backend initialises, so the replacement carries it over.
 */
export function replaceKernel<I, A>(name: string, kernelFunc: (args: KernelArgs<I, A>) => TensorInfo | TensorInfo[]): void {
  const config: tf.KernelConfig = { kernelName: name, backendName: BACKEND, kernelFunc: asKernelFunc(kernelFunc) };
  const existing = tf.getKernel(name, BACKEND);
  if (existing !== undefined) {
    originals.set(name, existing.kernelFunc);
    tf.unregisterKernel(name, BACKEND);
    if (existing.setupFunc !== undefined) config.setupFunc = existing.setupFunc;
    if (existing.disposeFunc !== undefined) config.disposeFunc = existing.disposeFunc;
  }
  tf.registerKernel(config);
}
