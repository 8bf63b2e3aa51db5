/**
 * BatchMatMul of one matrix by one matrix (batch dimensions all 1, as Dense layers and their
 * gradients call it) on ONNX Runtime's GEMM (matrixProduct.ts), which takes the
 * transpositions itself; the backend's own kernel computes transposed operands in a scalar
 * loop, about 5 ms for each of a 1024-wide Dense layer's two gradient products at batch 128.
 * True batches, other dtypes, or no native product: the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo } from './common';
import { matrixProduct } from './matrixProduct';
import { nativeGemm } from './nativeGemm';
import { delegate } from './registry';

export function batchMatMul(args: KernelArgs<{ a: TensorInfo; b: TensorInfo }, { transposeA: boolean; transposeB: boolean }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const single = (t: TensorInfo): boolean => t.dtype === 'float32' && t.shape.length >= 2 && tf.util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  if (!single(a) || !single(b) || nativeGemm() === undefined) return delegate('BatchMatMul', args);
  const matrix = (t: TensorInfo): { info: TensorInfo; rows: number; cols: number } => ({ info: t, rows: t.shape[t.shape.length - 2]!, cols: t.shape[t.shape.length - 1]! });
  const out = matrixProduct(backend, matrix(a), attrs.transposeA, matrix(b), attrs.transposeB);
  out.shape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), ...out.shape];
  return out;
}
