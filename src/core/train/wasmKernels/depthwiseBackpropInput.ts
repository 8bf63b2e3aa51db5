/**
 * DepthwiseConv2dNativeBackpropInput (depth multiplier 1), which the wasm backend lacks: tap
 * by tap, dx += w[tap] * dy over the tap's window, in WebAssembly SIMD (depthwiseTaps.ts)
 * where the channel count is divisible by 4; otherwise a stride-1 depthwise convolution of
 * dy (with zeros between its rows and columns for strided convs) with the flipped filter, run
 * by the backend's own kernel, or a scatter loop where the padding that needs would be
 * negative.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { as4D, heap, requireFloat32, runKernel } from './common';
import type { Conv2DInfo, KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { depthwiseInfo } from './convInfo';
import { tapStrides, tapWindows, windowOffsets } from './depthwiseTaps';
import { simdKernels } from './simd/simdKernels';

interface DepthwiseBackpropInputAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: PadAttr;
  dimRoundingMode?: RoundingAttr;
  inputShape: [number, number, number, number];
}

export function depthwiseBackpropInput(
  args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }, DepthwiseBackpropInputAttrs>,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const name = 'DepthwiseConv2dNativeBackpropInput';
  requireFloat32(dy, name, 'dy');
  requireFloat32(filter, name, 'filter');
  const ci = depthwiseInfo(name, as4D(attrs.inputShape, `${name} inputShape`), as4D(filter.shape, `${name} filter`), attrs);
  return depthwiseBackpropInputByTaps(backend, dy, filter, ci) ?? depthwiseBackpropInputByConv(backend, dy, filter, ci) ?? depthwiseBackpropInputLoop(backend, dy, filter, ci);
}

/** Bytes of dx the tap loop works on at a time: well inside a core's L2 cache. */
const CACHE_BLOCK_BYTES = 256 * 1024;

/** dx as the sum over taps of w[tap] * dy under the tap's window; undefined where SIMD cannot run. */
function depthwiseBackpropInputByTaps(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, ci: Conv2DInfo): TensorInfo | undefined {
  const simd = ci.inChannels % 4 === 0 ? simdKernels(backend) : undefined;
  if (simd === undefined) return undefined;
  const rowBytes = ci.inChannels * 4;
  const dx = backend.makeOutput([...ci.inShape], 'float32');
  const dxView = heap(backend, dx);
  dxView.fill(0);
  const [dxAt, dyAt, wAt] = [dxView.byteOffset, heap(backend, dy).byteOffset, heap(backend, filter).byteOffset];
  const strides = tapStrides(ci);
  const windows = tapWindows(ci);
  // All taps over a few images at a time, so that their part of dx stays in the cache.
  const block = Math.max(1, Math.floor(CACHE_BLOCK_BYTES / strides.input[0]!));
  for (let n0 = 0; n0 < ci.batchSize; n0 += block) {
    const images = Math.min(block, ci.batchSize - n0);
    for (const w of windows) {
      const at = windowOffsets(ci, w);
      const dst = dxAt + n0 * strides.input[0]! + at.input;
      const src = dyAt + n0 * strides.output[0]! + at.output;
      simd.depthwiseTapInto(dst, src, wAt + w.tap * rowBytes, rowBytes, images, w.rows, w.cols, strides.input, strides.output);
    }
  }
  return dx;
}

/**
 * dx as a stride-1 depthwise convolution, run by the backend's (XNNPACK) kernel, of dy with
 * the spatially flipped filter; for strides > 1, of dy with zeros put between its rows and
 * columns. Returns undefined when the padding that needs is negative (larger explicit pads).
 */
function depthwiseBackpropInputByConv(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, ci: Conv2DInfo): TensorInfo | undefined {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = ci;
  const upHeight = (outHeight - 1) * strideHeight + 1;
  const upWidth = (outWidth - 1) * strideWidth + 1;
  const effH = (filterHeight - 1) * dilationHeight + 1;
  const effW = (filterWidth - 1) * dilationWidth + 1;
  const top = effH - 1 - ci.padInfo.top;
  const left = effW - 1 - ci.padInfo.left;
  const bottom = inHeight - upHeight + ci.padInfo.top;
  const right = inWidth - upWidth + ci.padInfo.left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return undefined;

  const flipped = backend.makeOutput([filterHeight, filterWidth, C, 1], 'float32');
  let up: TensorInfo = dy;
  const strided = strideHeight > 1 || strideWidth > 1;
  if (strided) up = backend.makeOutput([batchSize, upHeight, upWidth, C], 'float32');
  {
    const w = heap(backend, filter);
    const f = heap(backend, flipped);
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        const s = ((filterHeight - 1 - kh) * filterWidth + (filterWidth - 1 - kw)) * C;
        f.set(w.subarray(s, s + C), (kh * filterWidth + kw) * C);
      }
    }
    if (strided) {
      const src = heap(backend, dy);
      const dst = heap(backend, up);
      dst.fill(0);
      let s = 0;
      for (let n = 0; n < batchSize; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          let d = ((n * upHeight + oh * strideHeight) * upWidth) * C;
          for (let ow = 0; ow < outWidth; ow++, s += C, d += strideWidth * C) dst.set(src.subarray(s, s + C), d);
        }
      }
    }
  }
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const dx = runKernel('DepthwiseConv2dNative', backend, { x: up, filter: flipped }, {
    strides: [1, 1],
    pad,
    dilations: [dilationHeight, dilationWidth],
    dataFormat: 'NHWC',
  });
  backend.disposeData(flipped.dataId);
  if (strided) backend.disposeData(up.dataId);
  if (dx.shape.some((d, i) => d !== ci.inShape[i])) {
    backend.disposeData(dx.dataId);
    throw new Error(`DepthwiseConv2dNativeBackpropInput (wasm): got [${dx.shape.join(', ')}], expected [${ci.inShape.join(', ')}]`);
  }
  return dx;
}

/** dx by scattering each output gradient position into the inputs its window covered. */
function depthwiseBackpropInputLoop(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, ci: Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;

  const out = backend.makeOutput([...ci.inShape], 'float32');
  const dxv = heap(backend, out);
  const dyv = heap(backend, dy);
  const wv = heap(backend, filter);
  dxv.fill(0);
  let dyOff = 0;
  for (let n = 0; n < batchSize; n++) {
    const nBase = n * inHeight;
    for (let oh = 0; oh < outHeight; oh++) {
      const ih0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++, dyOff += C) {
        const iw0 = ow * strideWidth - left;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = ih0 + kh * dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          const rowBase = (nBase + ih) * inWidth;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = iw0 + kw * dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            const dxOff = (rowBase + iw) * C;
            const wOff = (kh * filterWidth + kw) * C;
            for (let c = 0; c < C; c++) dxv[dxOff + c] = dxv[dxOff + c]! + dyv[dyOff + c]! * wv[wOff + c]!;
          }
        }
      }
    }
  }
  return out;
}
