/**
 * im2col and col2im for NHWC convolutions: the patches of x under each output position as
 * the rows of a matrix, so that conv gradients become matrix products; and the scatter of
 * such a matrix back onto the input positions.
 */
import type { Conv2DInfo } from './common';

/**
 * Writes the im2col matrix of x: col[m * K + k] with k = (kh * KW + kw) * Cin + ci and
 * m = (n * OH + oh) * OW + ow; zero where the window reaches into the padding.
 */
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
