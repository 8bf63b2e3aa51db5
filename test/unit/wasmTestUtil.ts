/**
 * Helpers of the wasm kernel tests: seeded data, running the same computation on the cpu
 * and wasm backends, and comparing the results.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Deterministic uniform values in [-1, 1). */
export function randomValues(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs fn with `backend` active and returns copies of the values of the tensors it returns. */
export async function onBackend(backend: 'cpu' | 'wasm', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensors = tf.tidy(fn);
  const values = tensors.map((t) => t.dataSync() as Float32Array).map((v) => Float32Array.from(v));
  tf.dispose(tensors);
  return values;
}

/** Asserts |actual - expected| <= rtol * max|expected| + atol, element by element. */
export function assertClose(actual: Float32Array, expected: Float32Array, what: string, rtol = 1e-4, atol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const tol = rtol * scale + atol;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${what}: max |diff| ${worst} at ${at} (expected ${expected[at]}, got ${actual[at]}), tolerance ${tol}`);
}
