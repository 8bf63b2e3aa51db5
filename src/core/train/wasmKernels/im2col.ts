/**
 * im2col and col2im for NHWC convolutions: the patches of x under each output position as
 * the rows (or, transposed, the columns) of a matrix, so that conv gradients become matrix
 * products; and the scatter of such a matrix back onto the input positions.
 */
import type { Conv2DInfo } from './common';
import { TILE } from './transpose';

/**
 * Writes the transposed im2col matrix of x: colT[k * M + m] with k = (kh * KW + kw) * Cin + ci
 * and m = (n * OH + oh) * OW + ow; zero where the window reaches into the padding.
 * Works on TILE output positions at a time so that the K rows being written stay cached.
 */
export function im2colTransposed(x: Float32Array, ci: Conv2DInfo, colT: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const M = batchSize * outHeight * outWidth;
  const ohw = outHeight * outWidth;
  const srcN = new Int32Array(TILE);
  const rowIn = new Int32Array(TILE);
  const colIn = new Int32Array(TILE);
  for (let m0 = 0; m0 < M; m0 += TILE) {
    const count = Math.min(TILE, M - m0);
    for (let t = 0; t < count; t++) {
      const m = m0 + t;
      const n = Math.floor(m / ohw);
      const rem = m - n * ohw;
      const oh = Math.floor(rem / outWidth);
      const ow = rem - oh * outWidth;
      srcN[t] = n * inHeight;
      rowIn[t] = oh * strideHeight - top;
      colIn[t] = ow * strideWidth - left;
    }
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        const kBase = (kh * filterWidth + kw) * inChannels * M;
        for (let t = 0; t < count; t++) {
          const ih = rowIn[t]! + kh;
          const iw = colIn[t]! + kw;
          let d = kBase + m0 + t;
          if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) {
            for (let c = 0; c < inChannels; c++, d += M) colT[d] = 0;
          } else {
            const s = ((srcN[t]! + ih) * inWidth + iw) * inChannels;
            for (let c = 0; c < inChannels; c++, d += M) colT[d] = x[s + c]!;
          }
        }
      }
    }
  }
}

/** Writes the im2col matrix of x: col[m * K + k], same indexing as im2colTransposed. */
export function im2col(x: Float32Array, ci: Conv2DInfo, col: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  let d = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const ih0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const iw0 = ow * strideWidth - left;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = ih0 + kh;
          const rowOk = ih >= 0 && ih < inHeight;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = iw0 + kw;
            if (!rowOk || iw < 0 || iw >= inWidth) {
              col.fill(0, d, d + inChannels);
            } else {
              const s = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              for (let c = 0; c < inChannels; c++) col[d + c] = x[s + c]!;
            }
            d += inChannels;
          }
        }
      }
    }
  }
}

/** dx (zeroed here) += scatter of col[m * K + k] back to the input positions. */
export function col2im(col: Float32Array, ci: Conv2DInfo, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  dx.fill(0);
  let s = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const ih0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const iw0 = ow * strideWidth - left;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = ih0 + kh;
          const rowOk = ih >= 0 && ih < inHeight;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = iw0 + kw;
            if (rowOk && iw >= 0 && iw < inWidth) {
              const d = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              for (let c = 0; c < inChannels; c++) dx[d + c] = dx[d + c]! + col[s + c]!;
            }
            s += inChannels;
          }
        }
      }
    }
  }
}
