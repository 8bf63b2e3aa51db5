/**
 * Convolution geometry for the gradient kernels (NHWC only, which is what tf.layers uses)
 * and the checks on what they support.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2DInfo, PadAttr, RoundingAttr } from './common';

export function conv2DInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: PadAttr,
  dimRoundingMode: RoundingAttr,
  dilations: [number, number] | number = 1,
  depthwise = false,
): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, depthwise, 'channelsLast');
}

/** A 1x1, stride 1, unpadded conv: im2col of x is x itself. */
export function isPointwise(ci: Conv2DInfo): boolean {
  return (
    ci.filterHeight === 1 &&
    ci.filterWidth === 1 &&
    ci.strideHeight === 1 &&
    ci.strideWidth === 1 &&
    ci.padInfo.top === 0 &&
    ci.padInfo.left === 0 &&
    ci.outHeight === ci.inHeight &&
    ci.outWidth === ci.inWidth
  );
}

export function checkConvAttrs(kernel: string, dataFormat: string | undefined, dilations?: [number, number] | number): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm): only dataFormat NHWC is supported, got ${dataFormat}`);
  }
  if (dilations !== undefined) {
    const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
    if (dh !== 1 || dw !== 1) throw new Error(`${kernel} (wasm): only dilations 1 are supported, got [${dh}, ${dw}]`);
  }
}

/** Geometry of a depthwise conv with depth multiplier 1, the only one the gradients take. */
export function depthwiseInfo(
  kernel: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: { strides: [number, number] | number; dilations: [number, number] | number; pad: PadAttr; dimRoundingMode?: RoundingAttr },
): Conv2DInfo {
  if (filterShape[3] !== 1) {
    throw new Error(`${kernel} (wasm): only depth multiplier 1 is supported, got filter shape [${filterShape.join(', ')}]`);
  }
  if (filterShape[2] !== xShape[3]) {
    throw new Error(`${kernel} (wasm): filter channels ${filterShape[2]} do not match input channels ${xShape[3]}`);
  }
  return conv2DInfo(xShape, filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, attrs.dilations ?? 1, true);
}
