/**
 * Starts the TF.js wasm backend for training: registers the gradient kernels it lacks and
 * makes it the active backend.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradients } from './wasmGradients';

/** The folder holding the backend's .wasm binaries, or undefined when it cannot be found. */
function wasmBinaryDir(): string | undefined {
  try {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    return fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) ? dir + path.sep : undefined;
  } catch {
    return undefined;
  }
}

let pathsSet = false;

/**
 * Registers the wasm gradient kernels and switches TF.js to the wasm backend.
 * Throws when the backend cannot start. Cheap when wasm is already active.
 */
export async function initWasmBackend(): Promise<void> {
  registerWasmGradients();
  if (tf.getBackend() === 'wasm') return;
  if (!pathsSet) {
    // Point the loader at the binaries in node_modules explicitly, so that it does not
    // depend on where the calling code was bundled to.
    const dir = wasmBinaryDir();
    if (dir !== undefined) {
      try {
        setWasmPaths(dir);
      } catch {
        // An earlier start failed; the loader refuses new paths after that.
      }
    }
    pathsSet = true;
  }
  const ok = await tf.setBackend('wasm');
  if (!ok || tf.getBackend() !== 'wasm') throw new Error('could not start the TF.js wasm backend');
  await tf.ready();
}
