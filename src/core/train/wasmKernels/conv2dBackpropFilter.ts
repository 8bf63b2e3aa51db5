/**
 * Conv2DBackpropFilter, which the wasm backend lacks, as one matrix product
 * (matrixProduct.ts): the filter gradient of a k x k conv is im2col(x)ᵀ dy; for a 1x1,
 * stride 1 conv im2col(x) is x itself.
 */
import { as4D, heap, requireFloat32 } from './common';
import type { KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { checkConvAttrs, conv2DInfo, isPointwise } from './convInfo';
import { im2col } from './im2col';
import { matrixProduct } from './matrixProduct';

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
  let col = x;
  if (!pointwise) {
    col = backend.makeOutput([M, K], 'float32');
    im2col(heap(backend, x), ci, heap(backend, col));
  }
  // dW [K, N] = colᵀ [K, M] dy [M, N]
  const out = matrixProduct(backend, { info: col, rows: M, cols: K }, true, { info: dy, rows: M, cols: N }, false);
  if (!pointwise) backend.disposeData(col.dataId);
  out.shape = [...filterShape];
  return out;
}
