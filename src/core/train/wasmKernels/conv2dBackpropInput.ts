/**
 * Conv2DBackpropInput, replacing the backend's scalar loop: dy * W^T by the backend's own
 * `BatchMatMul` (XNNPACK), followed by a col2im scatter (nothing for a 1x1 conv). Other data
 * formats and dtypes go to the backend's kernel.
 */
import { as4D, heap, matMul, view } from './common';
import type { KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { conv2DInfo, isPointwise } from './convInfo';
import { col2im } from './im2col';
import { delegate } from './registry';
import { transposed, transposeInto } from './transpose';

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
  const pointwise = isPointwise(ci);
  if (pointwise && M * (K + N) < 2 * K * N) {
    // Few positions and a large filter (the last layers of a network): dx^T [K, M] =
    // W [K, N] * dy^T [N, M] transposes and packs the small dy instead of the large W.
    const dyT = transposed(backend, view(dy, [M, N]), M, N);
    const dxT = matMul(backend, view(filter, [K, N]), dyT);
    backend.disposeData(dyT.dataId);
    const dx = backend.makeOutput([...ci.inShape], 'float32');
    transposeInto(heap(backend, dxT), 0, K, M, heap(backend, dx));
    backend.disposeData(dxT.dataId);
    return dx;
  }
  // col [M, K] = dy [M, N] * W^T [N, K]
  const wT = transposed(backend, view(filter, [K, N]), K, N);
  const col = matMul(backend, view(dy, [M, N]), wT);
  backend.disposeData(wT.dataId);
  if (pointwise) {
    col.shape = [...ci.inShape];
    return col;
  }
  const dx = backend.makeOutput([...ci.inShape], 'float32');
  col2im(heap(backend, col), ci, heap(backend, dx));
  backend.disposeData(col.dataId);
  return dx;
}
