/**
 * The matrix product every convolution kernel of this folder is built on: op(A) * op(B) of
 * row-major float32 matrices in the wasm heap, op transposing where asked. It runs on ONNX
 * Runtime's GEMM when that is available (nativeGemm.ts), which takes the transpositions
 * itself; otherwise on the backend's own BatchMatMul (XNNPACK), which is fastest with
 * neither operand transposed, so the operands are transposed here first, choosing the
 * cheaper of op(A) op(B) and (op(B)ᵀ op(A)ᵀ)ᵀ.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heap, matMul, view } from './common';
import type { TensorInfo } from './common';
import { nativeGemm } from './nativeGemm';
import { transposed, transposeInto } from './transpose';

/** A tensor of the wasm backend seen as a row-major [rows, cols] matrix. */
export interface HeapMatrix {
  readonly info: TensorInfo;
  readonly rows: number;
  readonly cols: number;
}

/** op(a) * op(b) as a new [rows, cols] tensor of the wasm backend. */
export function matrixProduct(backend: BackendWasm, a: HeapMatrix, transA: boolean, b: HeapMatrix, transB: boolean): TensorInfo {
  const rows = transA ? a.cols : a.rows;
  const inner = transA ? a.rows : a.cols;
  const cols = transB ? b.rows : b.cols;
  if (inner !== (transB ? b.cols : b.rows)) {
    throw new Error(`matrix product (wasm): inner sizes differ, [${a.rows}, ${a.cols}]${transA ? 'ᵀ' : ''} x [${b.rows}, ${b.cols}]${transB ? 'ᵀ' : ''}`);
  }
  const gemm = nativeGemm();
  if (gemm !== undefined) {
    const out = backend.makeOutput([rows, cols], 'float32');
    gemm({ data: heap(backend, a.info), rows: a.rows, cols: a.cols }, transA, { data: heap(backend, b.info), rows: b.rows, cols: b.cols }, transB, heap(backend, out));
    return out;
  }
  return productByBackend(backend, a, transA, b, transB, rows, cols);
}

/** The product on the backend's BatchMatMul, transposing in the heap as little as possible. */
function productByBackend(backend: BackendWasm, a: HeapMatrix, transA: boolean, b: HeapMatrix, transB: boolean, rows: number, cols: number): TensorInfo {
  const sizeA = a.rows * a.cols;
  const sizeB = b.rows * b.cols;
  const direct = (transA ? sizeA : 0) + (transB ? sizeB : 0);
  const swapped = (transA ? 0 : sizeA) + (transB ? 0 : sizeB) + rows * cols;
  // plain(m, t): m as the left or right operand of a plain product, transposed when t.
  const plain = (m: HeapMatrix, t: boolean): TensorInfo => (t ? transposed(backend, view(m.info, [m.rows, m.cols]), m.rows, m.cols) : view(m.info, [m.rows, m.cols]));
  const product = (left: HeapMatrix, tl: boolean, right: HeapMatrix, tr: boolean): TensorInfo => {
    const l = plain(left, tl);
    const r = plain(right, tr);
    const out = matMul(backend, l, r);
    if (tl) backend.disposeData(l.dataId);
    if (tr) backend.disposeData(r.dataId);
    return out;
  };
  if (direct <= swapped) return product(a, transA, b, transB);
  // (op(B)ᵀ op(A)ᵀ)ᵀ: op(B)ᵀ is B itself when transB, and likewise for A.
  const outT = product(b, !transB, a, !transA);
  const out = backend.makeOutput([rows, cols], 'float32');
  transposeInto(heap(backend, outT), 0, cols, rows, heap(backend, out));
  backend.disposeData(outT.dataId);
  return out;
}
