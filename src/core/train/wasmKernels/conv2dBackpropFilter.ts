/**
 * Conv2DBackpropFilter, which the wasm backend lacks, as a matrix product run by the
 * backend's own `BatchMatMul` (XNNPACK's SIMD GEMM when neither operand is transposed).
 * The filter gradient of a k x k conv is (im2col(x))^T * dy; for a 1x1, stride 1 conv
 * im2col(x) is x itself. Whichever operand must be transposed is built here, in the heap.
 */
import { as4D, heap, matMul, requireFloat32, view } from './common';
import type { KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { checkConvAttrs, conv2DInfo, isPointwise } from './convInfo';
import { im2col, im2colTransposed } from './im2col';
import { transposed, transposeInto } from './transpose';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingAttr;
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilter(args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }, Conv2DBackpropFilterAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const name = 'Conv2DBackpropFilter';
  checkConvAttrs(name, attrs.dataFormat);
  requireFloat32(x, name, 'x');
  requireFloat32(dy, name, 'dy');
  const filterShape = as4D(attrs.filterShape, `${name} filterShape`);
  const ci = conv2DInfo(as4D(x.shape, `${name} x`), filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  if (ci.dilationHeight !== 1 || ci.dilationWidth !== 1) throw new Error(`${name} (wasm): only dilations 1 are supported`);
  const dyShape = as4D(dy.shape, `${name} dy`);
  if (dyShape[1] !== ci.outHeight || dyShape[2] !== ci.outWidth || dyShape[3] !== ci.outChannels) {
    throw new Error(`${name} (wasm): dy shape [${dyShape.join(', ')}] does not match the conv output [${ci.outShape.join(', ')}]`);
  }
  const M = ci.batchSize * ci.outHeight * ci.outWidth;
  const K = ci.filterHeight * ci.filterWidth * ci.inChannels;
  const N = ci.outChannels;
  const pointwise = isPointwise(ci);

  if (K <= N) {
    // dW [K, N] = colT [K, M] * dy [M, N]: the narrower operand (x's columns) is transposed.
    const colT = backend.makeOutput([K, M], 'float32');
    if (pointwise) transposeInto(heap(backend, x), 0, M, K, heap(backend, colT));
    else im2colTransposed(heap(backend, x), ci, heap(backend, colT));
    const out = matMul(backend, colT, view(dy, [M, N]));
    backend.disposeData(colT.dataId);
    out.shape = [...filterShape];
    return out;
  }

  // dW^T [N, K] = dy^T [N, M] * col [M, K]; then a small transpose to [K, N].
  const dyT = transposed(backend, view(dy, [M, N]), M, N);
  let col: TensorInfo;
  if (pointwise) {
    col = view(x, [M, K]);
  } else {
    col = backend.makeOutput([M, K], 'float32');
    im2col(heap(backend, x), ci, heap(backend, col));
  }
  const outT = matMul(backend, dyT, col);
  backend.disposeData(dyT.dataId);
  if (!pointwise) backend.disposeData(col.dataId);
  const out = backend.makeOutput([...filterShape], 'float32');
  transposeInto(heap(backend, outT), 0, N, K, heap(backend, out));
  backend.disposeData(outT.dataId);
  return out;
}
