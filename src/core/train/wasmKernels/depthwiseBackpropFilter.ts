/**
 * DepthwiseConv2dNativeBackpropFilter (depth multiplier 1), which the wasm backend lacks: a
 * loop over NHWC data with the channel innermost, reading the wasm heap directly.
 */
import { as4D, heap, requireFloat32 } from './common';
import type { KernelArgs, PadAttr, RoundingAttr, TensorInfo } from './common';
import { depthwiseInfo } from './convInfo';

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
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth } = ci;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;

  // Sums run over N * OH * OW terms; accumulate in double precision.
  const acc = new Float64Array(filterHeight * filterWidth * C);
  const out = backend.makeOutput([...filterShape], 'float32');
  const xv = heap(backend, x);
  const dyv = heap(backend, dy);
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
  heap(backend, out).set(acc);
  return out;
}
