/**
 * Conv2D and FusedConv2D for 1x1, stride 1, unpadded convolutions as one matrix product on
 * ONNX Runtime's GEMM (nativeGemm.ts), replacing the backend's XNNPACK convolution, which
 * runs at about a fifth of that speed on one core. These are most of the forward MACs of a
 * MobileNet. Everything else (other convs, activations, NCHW, no native product) goes to the
 * backend's kernels.
 */
import { as4D, heap } from './common';
import type { KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { conv2DInfo, isPointwise } from './convInfo';
import { matrixProduct } from './matrixProduct';
import { nativeGemm } from './nativeGemm';
import { delegate } from './registry';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: RoundingAttr;
  activation?: string;
}

type ConvArgs = KernelArgs<{ x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo }, ConvAttrs>;

export function conv2D(args: ConvArgs): TensorInfo {
  return pointwiseConv(args) ?? delegate('Conv2D', args);
}

export function fusedConv2D(args: ConvArgs): TensorInfo {
  return pointwiseConv(args) ?? delegate('FusedConv2D', args);
}

/** Whether an optional kernel input was given (the engine may pass null or undefined). */
function given(t: TensorInfo | null | undefined): t is TensorInfo {
  return t !== undefined && t !== null;
}

/** y = x W (+ bias) over the N * H * W pixels, or undefined when the case is not covered. */
function pointwiseConv(args: ConvArgs): TensorInfo | undefined {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs;
  const linear = attrs.activation === undefined || attrs.activation === 'linear';
  const nhwc = attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC';
  if (!linear || !nhwc || given(preluActivationWeights) || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  if (given(bias) && (bias.dtype !== 'float32' || bias.shape.length !== 1)) return undefined;
  const ci = conv2DInfo(as4D(x.shape, 'Conv2D x'), as4D(filter.shape, 'Conv2D filter'), attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dilations ?? 1);
  if (!isPointwise(ci) || ci.dilationHeight !== 1 || ci.dilationWidth !== 1 || nativeGemm() === undefined) return undefined;
  const M = ci.batchSize * ci.outHeight * ci.outWidth;
  const K = ci.inChannels;
  const N = ci.outChannels;
  const y = matrixProduct(backend, { info: x, rows: M, cols: K }, false, { info: filter, rows: K, cols: N }, false);
  if (given(bias)) {
    const yv = heap(backend, y);
    const b = heap(backend, bias);
    for (let off = 0; off < M * N; off += N) for (let c = 0; c < N; c++) yv[off + c] = yv[off + c]! + b[c]!;
  }
  y.shape = [...ci.outShape];
  return y;
}
