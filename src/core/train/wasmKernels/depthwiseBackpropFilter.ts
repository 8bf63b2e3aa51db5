/**
 * DepthwiseConv2dNativeBackpropFilter (depth multiplier 1), which the wasm backend lacks:
 * per filter tap, the sum over every output position of x under the tap times dy, four
 * channels at a time in WebAssembly SIMD (simd/simdKernels.ts); where the channel count is
 * not divisible by 4, a loop over NHWC data with the channel innermost in JavaScript.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { as4D, heap, requireFloat32 } from './common';
import type { Conv2DInfo, KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { depthwiseInfo } from './convInfo';
import { tapStrides, tapWindows, windowOffsets } from './depthwiseTaps';
import { simdKernels } from './simd/simdKernels';

interface DepthwiseBackpropFilterAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: PadAttr;
  dimRoundingMode?: RoundingAttr;
  filterShape: [number, number, number, number];
}

export function depthwiseBackpropFilter(
  args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }, DepthwiseBackpropFilterAttrs>,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  requireFloat32(x, name, 'x');
  requireFloat32(dy, name, 'dy');
  const filterShape = as4D(attrs.filterShape, `${name} filterShape`);
  const ci = depthwiseInfo(name, as4D(x.shape, `${name} x`), filterShape, attrs);
  const out = backend.makeOutput([...filterShape], 'float32');
  const acc = ci.inChannels % 4 === 0 && simdKernels(backend) !== undefined ? filterGradientSimd(backend, x, dy, ci) : filterGradientJs(heap(backend, x), heap(backend, dy), ci);
  heap(backend, out).set(acc);
  return out;
}

/**
 * Output positions the SIMD loop sums in float32 (whole images, at least one) before the
 * sums join the float64 totals.
 */
const SIMD_BLOCK_POSITIONS = 1024;

function filterGradientSimd(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, ci: Conv2DInfo): Float64Array {
  const simd = simdKernels(backend)!;
  const { batchSize, inChannels: C, filterHeight, filterWidth } = ci;
  const taps = filterHeight * filterWidth;
  const rowBytes = C * 4;
  const scratch = backend.makeOutput([taps * C], 'float32');
  const accView = heap(backend, scratch);
  const [xAt, dyAt, accAt] = [heap(backend, x).byteOffset, heap(backend, dy).byteOffset, accView.byteOffset];
  const strides = tapStrides(ci);
  const windows = tapWindows(ci);
  const total = new Float64Array(taps * C);
  const block = Math.max(1, Math.floor(SIMD_BLOCK_POSITIONS / (ci.outHeight * ci.outWidth)));
  for (let n0 = 0; n0 < batchSize; n0 += block) {
    const images = Math.min(block, batchSize - n0);
    accView.fill(0);
    for (const w of windows) {
      const at = windowOffsets(ci, w);
      const xStart = xAt + n0 * strides.input[0]! + at.input;
      const dyStart = dyAt + n0 * strides.output[0]! + at.output;
      simd.depthwiseTap(xStart, dyStart, accAt + w.tap * rowBytes, rowBytes, images, w.rows, w.cols, strides.input, strides.output);
    }
    for (let i = 0; i < taps * C; i++) total[i] = total[i]! + accView[i]!;
  }
  backend.disposeData(scratch.dataId);
  return total;
}

/** The same sums in JavaScript, for any channel count. */
function filterGradientJs(xv: Float32Array, dyv: Float32Array, ci: Conv2DInfo): Float64Array {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;

  // Sums run over N * OH * OW terms; accumulate in double precision.
  const acc = new Float64Array(filterHeight * filterWidth * C);
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
          const wRow = kh * filterWidth * C;
          if (filterWidth === 3 && iw0 >= 0 && iw0 + 2 * dilationWidth < inWidth) {
            // The common 3x3 case with the whole window row inside: one read of dy per tap row.
            const x0 = (rowBase + iw0) * C;
            const x1 = x0 + dilationWidth * C;
            const x2 = x1 + dilationWidth * C;
            const w1 = wRow + C;
            const w2 = w1 + C;
            for (let c = 0; c < C; c++) {
              const g = dyv[dyOff + c]!;
              acc[wRow + c] = acc[wRow + c]! + xv[x0 + c]! * g;
              acc[w1 + c] = acc[w1 + c]! + xv[x1 + c]! * g;
              acc[w2 + c] = acc[w2 + c]! + xv[x2 + c]! * g;
            }
            continue;
          }
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = iw0 + kw * dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            const xOff = (rowBase + iw) * C;
            const wOff = wRow + kw * C;
            for (let c = 0; c < C; c++) acc[wOff + c] = acc[wOff + c]! + xv[xOff + c]! * dyv[dyOff + c]!;
          }
        }
      }
    }
  }
  return acc;
}
