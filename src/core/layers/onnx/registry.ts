/**
 * The registry of ONNX operators: every op PruneLens analyses, each described once
 * (types.ts), as src/core/layers/registry.ts does for TF.js layer classes. Adding an op is
 * one entry here plus its file and tests (docs/architecture.md, "Adding an ONNX op");
 * test/unit/onnxOpRegistry.test.ts checks that every entry has every facet or a declared
 * reason, and that it matches the ops the ONNX reader accepts (src/core/onnx/supportedOps.ts).
 */
import { ONNX_BATCH_NORMALIZATION, ONNX_CLIP, ONNX_HARD_SIGMOID, ONNX_HARD_SWISH, ONNX_LEAKY_RELU, ONNX_RELU, ONNX_SIGMOID, ONNX_SOFTMAX } from './activations';
import { ONNX_ADD, ONNX_DIV, ONNX_MUL, ONNX_SUB } from './arithmetic';
import { ONNX_CONV, ONNX_CONV_TRANSPOSE } from './conv';
import { ONNX_GEMM, ONNX_MATMUL } from './linear';
import { ONNX_AVERAGE_POOL, ONNX_GLOBAL_AVERAGE_POOL, ONNX_MAX_POOL, ONNX_REDUCE_MEAN } from './pooling';
import { ONNX_PAD, ONNX_RESIZE } from './spatial';
import { ONNX_CONCAT, ONNX_FLATTEN, ONNX_RESHAPE, ONNX_SQUEEZE, ONNX_TRANSPOSE, ONNX_UNSQUEEZE } from './structure';
import type { OnnxOpClass } from './types';

export const ONNX_OPS: ReadonlyMap<string, OnnxOpClass> = new Map(
  [
    ONNX_CONV,
    ONNX_CONV_TRANSPOSE,
    ONNX_BATCH_NORMALIZATION,
    ONNX_RELU,
    ONNX_CLIP,
    ONNX_LEAKY_RELU,
    ONNX_SIGMOID,
    ONNX_HARD_SIGMOID,
    ONNX_HARD_SWISH,
    ONNX_ADD,
    ONNX_SUB,
    ONNX_MUL,
    ONNX_DIV,
    ONNX_CONCAT,
    ONNX_MAX_POOL,
    ONNX_AVERAGE_POOL,
    ONNX_GLOBAL_AVERAGE_POOL,
    ONNX_REDUCE_MEAN,
    ONNX_PAD,
    ONNX_RESIZE,
    ONNX_FLATTEN,
    ONNX_RESHAPE,
    ONNX_TRANSPOSE,
    ONNX_SQUEEZE,
    ONNX_UNSQUEEZE,
    ONNX_GEMM,
    ONNX_MATMUL,
    ONNX_SOFTMAX,
  ].map((c) => [c.className, c]),
);

/** The entry of an op type, or undefined for an op PruneLens does not know. */
export function onnxOpClass(opType: string): OnnxOpClass | undefined {
  return ONNX_OPS.get(opType);
}
