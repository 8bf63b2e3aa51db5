/**
 * Transposes of float32 matrices in the wasm heap, for the one operand of a matrix product
 * that must be laid out transposed (the backend's BatchMatMul is fastest with neither
 * operand transposed). They work in cache-sized tiles.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heap } from './common';
import type { TensorInfo } from './common';

/** Tile edge (in elements) of the transposes: 32 x 32 floats = 4 KiB per tile. */
export const TILE = 32;

/** dst[c * rows + r] = src[srcOffset + r * cols + c], in TILE x TILE tiles. */
export function transposeInto(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const s = srcOffset + r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[s + c]!;
      }
    }
  }
}

/** A new [cols, rows] wasm tensor holding the transpose of `info` seen as [rows, cols]. */
export function transposed(backend: BackendWasm, info: TensorInfo, rows: number, cols: number): TensorInfo {
  const out = backend.makeOutput([cols, rows], 'float32');
  transposeInto(heap(backend, info), 0, rows, cols, heap(backend, out));
  return out;
}
