/**
 * Conv2DBackpropInput, replacing the backend's scalar loop: dy Wᵀ as one matrix product
 * (matrixProduct.ts), followed by a col2im scatter (nothing for a 1x1 conv). Other data
 * formats and dtypes go to the backend's kernel.
 */
import { as4D, heap } from './common';
import type { KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { conv2DInfo, isPointwise } from './convInfo';
import { col2im } from './im2col';
import { matrixProduct } from './matrixProduct';
import { delegate } from './registry';

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingAttr;
  inputShape: [number, number, number, number];
}

export function conv2DBackpropInput(args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }, Conv2DBackpropInputAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const fast = (attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC') && dy.dtype === 'float32' && filter.dtype === 'float32';
  if (!fast) return delegate('Conv2DBackpropInput', args);
  const name = 'Conv2DBackpropInput';
  const filterShape = as4D(filter.shape, `${name} filter`);
  const ci = conv2DInfo(as4D(attrs.inputShape, `${name} inputShape`), filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  const M = ci.batchSize * ci.outHeight * ci.outWidth;
  const K = ci.filterHeight * ci.filterWidth * ci.inChannels;
  const N = ci.outChannels;
  // col [M, K] = dy [M, N] Wᵀ [N, K]
  const col = matrixProduct(backend, { info: dy, rows: M, cols: N }, false, { info: filter, rows: K, cols: N }, true);
  if (isPointwise(ci)) {
    col.shape = [...ci.inShape];
    return col;
  }
  const dx = backend.makeOutput([...ci.inShape], 'float32');
  col2im(heap(backend, col), ci, heap(backend, dx));
  backend.disposeData(col.dataId);
  return dx;
}
