/**
 * Depthwise convolutions tap by tap, for the SIMD loops: for each filter tap (kh, kw), the
 * rectangle of output positions whose input under that tap lies inside the image (padding
 * excluded), and where that rectangle starts in the input. Summing a per-tap product over
 * these rectangles gives the convolution, its input gradient and its filter gradient
 * without a bounds test per position.
 */
import type { Conv2DInfo } from './common';

export interface TapWindow {
  /** The tap's index kh * filterWidth + kw (its row in an HWC1 filter). */
  readonly tap: number;
  /** First output row and column, and how many rows and columns. */
  readonly outRow: number;
  readonly outCol: number;
  readonly rows: number;
  readonly cols: number;
  /** The input row and column under the tap at the first output position. */
  readonly inRow: number;
  readonly inCol: number;
}

/** The first and one-past-last output index o with 0 <= o * stride + offset < size. */
function validRange(outSize: number, stride: number, offset: number, size: number): [number, number] {
  const first = Math.max(0, Math.ceil(-offset / stride));
  const end = Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1);
  return [first, Math.max(first, end)];
}

/** The taps that reach inside the image at all, with their rectangles. */
export function tapWindows(ci: Conv2DInfo): TapWindow[] {
  const windows: TapWindow[] = [];
  for (let kh = 0; kh < ci.filterHeight; kh++) {
    const rowOffset = kh * ci.dilationHeight - ci.padInfo.top;
    const [oh0, oh1] = validRange(ci.outHeight, ci.strideHeight, rowOffset, ci.inHeight);
    for (let kw = 0; kw < ci.filterWidth; kw++) {
      const colOffset = kw * ci.dilationWidth - ci.padInfo.left;
      const [ow0, ow1] = validRange(ci.outWidth, ci.strideWidth, colOffset, ci.inWidth);
      if (oh0 === oh1 || ow0 === ow1) continue;
      windows.push({
        tap: kh * ci.filterWidth + kw,
        outRow: oh0,
        outCol: ow0,
        rows: oh1 - oh0,
        cols: ow1 - ow0,
        inRow: oh0 * ci.strideHeight + rowOffset,
        inCol: ow0 * ci.strideWidth + colOffset,
      });
    }
  }
  return windows;
}

/**
 * Byte strides (image, row, column) of a float32 NHWC tensor seen along the output
 * positions: the input's advance by the conv strides, the output's by one.
 */
export function tapStrides(ci: Conv2DInfo): { input: Int32Array; output: Int32Array } {
  const rowBytes = ci.inChannels * 4;
  return {
    input: Int32Array.from([ci.inHeight * ci.inWidth * rowBytes, ci.strideHeight * ci.inWidth * rowBytes, ci.strideWidth * rowBytes]),
    output: Int32Array.from([ci.outHeight * ci.outWidth * rowBytes, ci.outWidth * rowBytes, rowBytes]),
  };
}

/** Byte offsets of a window's first position in the input and in the output (image 0). */
export function windowOffsets(ci: Conv2DInfo, w: TapWindow): { input: number; output: number } {
  const rowBytes = ci.inChannels * 4;
  return { input: (w.inRow * ci.inWidth + w.inCol) * rowBytes, output: (w.outRow * ci.outWidth + w.outCol) * rowBytes };
}
