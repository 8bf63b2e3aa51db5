/**
 * Gradient kernels the TF.js wasm backend lacks, so that convolutional networks can be
 * trained on it.
 *
 * The wasm backend (4.22) ships forward convolutions and `Conv2DBackpropInput`, but not
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` or
 * `DepthwiseConv2dNativeBackpropFilter`. `registerWasmGradients()` registers those three and
 * by default also replaces backend kernels that make a training step slow: its
 * `Conv2DBackpropInput` (a scalar loop), `Tile`, `Sum`, `Mean` and `FusedBatchNorm`, which
 * batch-norm training runs on full activation tensors, and `Identity`, which gradients call
 * hundreds of times a step and the backend answers with a copy.
 *
 * How they work (NHWC only, which is what tf.layers uses):
 * - Conv2D gradients are matrix products done by the backend's own `BatchMatMul` kernel,
 *   which runs XNNPACK's SIMD GEMM when neither operand is transposed. The filter gradient
 *   of a k x k conv is (im2col(x))^T * dy; for a 1x1, stride 1 conv im2col(x) is x itself.
 *   The input gradient is dy * W^T followed by a col2im scatter (nothing for a 1x1 conv).
 *   The one operand that must be laid out transposed is built here in a Float32Array view
 *   of the wasm heap, in cache-sized tiles.
 * - The depthwise input gradient (depth multiplier 1) is a stride-1 depthwise convolution
 *   of dy (with zeros between its rows and columns for strided convs) with the flipped
 *   filter, run by the backend's own kernel. The depthwise filter gradient is a loop over
 *   NHWC data with the channel innermost, reading the wasm heap directly.
 * - Tile is done with block copies; Sum and Mean over the leading axes (N, H, W) with a
 *   row-accumulating loop; FusedBatchNorm with the backend's broadcasting Sub, Multiply and
 *   Add. Everything else these receive goes to the backend's own kernel.
 *
 * Heap views: a `Float32Array` over the wasm heap becomes stale when the heap grows, and any
 * allocation (`makeOutput`, a kernel call) may grow it. So every function below allocates
 * first and takes its views afterwards, and holds no view across a kernel call.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend and its kernels first, so that the replacements below find them.
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type Conv2DInfo = tf.backend_util.Conv2DInfo;
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type RoundingAttr = 'floor' | 'round' | 'ceil' | undefined;

const BACKEND = 'wasm';

/** Tile edge (in elements) of the transposes: 32 x 32 floats = 4 KiB per tile. */
const TILE = 32;

let registered = false;

export interface WasmGradientOptions {
  /**
   * Also replace backend kernels that are correct but slow in training: Conv2DBackpropInput
   * (a scalar loop in the backend), Tile, Sum, Mean and FusedBatchNorm (batch-norm training
   * leans on these) and Identity (the backend copies; this shares the data, as the cpu
   * backend does). Default true; false registers only the three missing gradients.
   */
  readonly replaceSlowKernels?: boolean;
}

/**
 * Registers the gradient kernels the 'wasm' backend lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter) and, unless told
 * otherwise, faster versions of some of its kernels. Safe to call more than once (the first
 * call decides), before or after the backend is set.
 */
export function registerWasmGradients(options: WasmGradientOptions = {}): void {
  if (registered) return;
  registered = true;

  replaceKernel('Conv2DBackpropFilter', conv2DBackpropFilter);
  replaceKernel('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput);
  replaceKernel('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter);
  if (options.replaceSlowKernels ?? true) {
    replaceKernel('Conv2DBackpropInput', conv2DBackpropInput);
    replaceKernel('Tile', tile);
    replaceKernel('Sum', sumLeading);
    replaceKernel('Mean', meanLeading);
    replaceKernel('FusedBatchNorm', batchNorm);
    replaceKernel('Identity', identity);
  }
}

/** The backend's own kernels that a replacement hands the cases it does not take. */
const originals = new Map<string, tf.KernelFunc>();

function original(name: string): tf.KernelFunc {
  const f = originals.get(name);
  if (f === undefined) throw new Error(`${name} (wasm): the backend has no such kernel`);
  return f;
}

/** Calls the backend's own kernel `name` with the arguments a replacement received. */
function delegate<I, A>(name: string, args: KernelArgs<I, A>): TensorInfo {
  return original(name)(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

/**
 * Registers `kernelFunc` as the wasm backend's kernel `name`, replacing (and keeping, for
 * delegation) the backend's own where it has one. The backend's setup (which binds its wasm
 * function) must still run when the backend initialises, so the replacement carries it over.
 */
function replaceKernel<I, A>(name: string, kernelFunc: (args: KernelArgs<I, A>) => TensorInfo): void {
  const config: tf.KernelConfig = { kernelName: name, backendName: BACKEND, kernelFunc: asKernelFunc(kernelFunc) };
  const existing = tf.getKernel(name, BACKEND);
  if (existing !== undefined) {
    originals.set(name, existing.kernelFunc);
    tf.unregisterKernel(name, BACKEND);
    if (existing.setupFunc !== undefined) config.setupFunc = existing.setupFunc;
    if (existing.disposeFunc !== undefined) config.disposeFunc = existing.disposeFunc;
  }
  tf.registerKernel(config);
}

// ---------------------------------------------------------------------------------------
// Kernel argument shapes

interface KernelArgs<I, A> {
  inputs: I;
  backend: BackendWasm;
  attrs: A;
}

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingAttr;
  filterShape: [number, number, number, number];
}

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: PadAttr;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingAttr;
  inputShape: [number, number, number, number];
}

interface DepthwiseBackpropInputAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: PadAttr;
  dimRoundingMode?: RoundingAttr;
  inputShape: [number, number, number, number];
}

interface DepthwiseBackpropFilterAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: PadAttr;
  dimRoundingMode?: RoundingAttr;
  filterShape: [number, number, number, number];
}

// ---------------------------------------------------------------------------------------
// Helpers

/** The kernels take the wasm backend and typed attributes; the registry's type is looser. */
function asKernelFunc<I, A>(f: (args: KernelArgs<I, A>) => TensorInfo): tf.KernelFunc {
  return f as unknown as tf.KernelFunc;
}

function as4D(shape: readonly number[], what: string): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`${what} must be rank 4, got shape [${shape.join(', ')}]`);
  return shape as [number, number, number, number];
}

function requireFloat32(info: TensorInfo, kernel: string, what: string): void {
  if (info.dtype !== 'float32') throw new Error(`${kernel} (wasm): ${what} must be float32, got ${info.dtype}`);
}

function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

function runKernel(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/** a [rows, k] times b [k, cols] -> [rows, cols], by the backend's BatchMatMul (XNNPACK). */
function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
}

/** The same data seen with another shape of the same size; no copy, no new reference. */
function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** dst[c * rows + r] = src[srcOffset + r * cols + c], in TILE x TILE tiles. */
function transposeInto(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const s = srcOffset + r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[s + c]!;
      }
    }
  }
}

/** A new [cols, rows] wasm tensor holding the transpose of `info` seen as [rows, cols]. */
function transposed(backend: BackendWasm, info: TensorInfo, rows: number, cols: number): TensorInfo {
  const out = backend.makeOutput([cols, rows], 'float32');
  transposeInto(heap(backend, info), 0, rows, cols, heap(backend, out));
  return out;
}

function conv2DInfo(
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
function isPointwise(ci: Conv2DInfo): boolean {
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

/**
 * Writes the transposed im2col matrix of x: colT[k * M + m] with k = (kh * KW + kw) * Cin + ci
 * and m = (n * OH + oh) * OW + ow; zero where the window reaches into the padding.
 * Works on TILE output positions at a time so that the K rows being written stay cached.
 */
function im2colTransposed(x: Float32Array, ci: Conv2DInfo, colT: Float32Array): void {
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
function im2col(x: Float32Array, ci: Conv2DInfo, col: Float32Array): void {
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
function col2im(col: Float32Array, ci: Conv2DInfo, dx: Float32Array): void {
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

function checkConvAttrs(kernel: string, dataFormat: string | undefined, dilations?: [number, number] | number): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm): only dataFormat NHWC is supported, got ${dataFormat}`);
  }
  if (dilations !== undefined) {
    const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
    if (dh !== 1 || dw !== 1) throw new Error(`${kernel} (wasm): only dilations 1 are supported, got [${dh}, ${dw}]`);
  }
}

// ---------------------------------------------------------------------------------------
// Conv2DBackpropFilter

function conv2DBackpropFilter(args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }, Conv2DBackpropFilterAttrs>): TensorInfo {
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

  if (K <= N) {
    // dW [K, N] = colT [K, M] * dy [M, N]: the narrower operand (x's columns) is transposed.
    const colT = backend.makeOutput([K, M], 'float32');
    if (pointwise) transposeInto(heap(backend, x), 0, M, K, heap(backend, colT));
    else im2colTransposed(heap(backend, x), ci, heap(backend, colT));
    const out = matMul(backend, colT, view(dy, [M, N]));
    backend.disposeData(colT.dataId);
    out.shape = [...filterShape];
    return out;
  }

  // dW^T [N, K] = dy^T [N, M] * col [M, K]; then a small transpose to [K, N].
  const dyT = transposed(backend, view(dy, [M, N]), M, N);
  let col: TensorInfo;
  if (pointwise) {
    col = view(x, [M, K]);
  } else {
    col = backend.makeOutput([M, K], 'float32');
    im2col(heap(backend, x), ci, heap(backend, col));
  }
  const outT = matMul(backend, dyT, col);
  backend.disposeData(dyT.dataId);
  if (!pointwise) backend.disposeData(col.dataId);
  const out = backend.makeOutput([...filterShape], 'float32');
  transposeInto(heap(backend, outT), 0, N, K, heap(backend, out));
  backend.disposeData(outT.dataId);
  return out;
}

// ---------------------------------------------------------------------------------------
// Conv2DBackpropInput (replacement for the backend's scalar loop)

function conv2DBackpropInput(args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }, Conv2DBackpropInputAttrs>): TensorInfo {
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

// ---------------------------------------------------------------------------------------
// Depthwise gradients (depth multiplier 1)

function depthwiseInfo(
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

function depthwiseBackpropInput(
  args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }, DepthwiseBackpropInputAttrs>,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const name = 'DepthwiseConv2dNativeBackpropInput';
  requireFloat32(dy, name, 'dy');
  requireFloat32(filter, name, 'filter');
  const ci = depthwiseInfo(name, as4D(attrs.inputShape, `${name} inputShape`), as4D(filter.shape, `${name} filter`), attrs);
  return depthwiseBackpropInputByConv(backend, dy, filter, ci) ?? depthwiseBackpropInputLoop(backend, dy, filter, ci);
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

function depthwiseBackpropFilter(
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

// ---------------------------------------------------------------------------------------
// Identity

/**
 * The same data under a new reference instead of a copy (tensors are immutable; the
 * backend's Reshape shares data the same way).
 */
function identity(args: KernelArgs<{ x: TensorInfo }, Record<string, never>>): TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string') return delegate('Identity', args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

// ---------------------------------------------------------------------------------------
// Tile and leading-axis reductions
//
// Batch-norm training leans on these: its gradient tiles a [1, 1, 1, C] tensor to the full
// activation shape and sums over the batch and spatial axes, and the forward pass takes
// means over the same axes. The backend's Tile computes an index per element, and its
// Sum and Mean transpose the input first, so both are many times slower than a copy.

function tile(args: KernelArgs<{ x: TensorInfo }, { reps: number[] }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rank = x.shape.length;
  if (x.dtype === 'string' || attrs.reps.length !== rank || rank === 0) return delegate('Tile', args);
  const outShape = x.shape.map((d, i) => d * attrs.reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  // outBlock[d]: elements of the output below axis d; inBlock[d]: the same for x.
  const outBlock = new Array<number>(rank + 1).fill(1);
  const inBlock = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    outBlock[d] = outBlock[d + 1]! * outShape[d]!;
    inBlock[d] = inBlock[d + 1]! * x.shape[d]!;
  }
  const fill = (d: number, xOff: number, oOff: number): void => {
    const n = x.shape[d]!;
    if (d === rank - 1) {
      dst.set(src.subarray(xOff, xOff + n), oOff);
    } else {
      for (let i = 0; i < n; i++) fill(d + 1, xOff + i * inBlock[d + 1]!, oOff + i * outBlock[d + 1]!);
    }
    // The first copy of this axis is in place; double it until all reps are there.
    const seg = n * outBlock[d + 1]!;
    const reps = attrs.reps[d]!;
    for (let done = 1; done < reps; ) {
      const k = Math.min(done, reps - done);
      dst.copyWithin(oOff + done * seg, oOff, oOff + k * seg);
      done += k;
    }
  };
  fill(0, 0, 0);
  return out;
}

type ReduceArgs = KernelArgs<{ x: TensorInfo }, { axis: number | number[]; keepDims: boolean }>;

function sumLeading(args: ReduceArgs): TensorInfo {
  return reduceLeading(args, false);
}

function meanLeading(args: ReduceArgs): TensorInfo {
  return reduceLeading(args, true);
}

/**
 * Sum or Mean over the leading axes [0, k) of a float32 tensor (e.g. N, H, W of NHWC),
 * accumulated in double precision; any other reduction goes to the backend's kernel.
 */
function reduceLeading(args: ReduceArgs, mean: boolean): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const name = mean ? 'Mean' : 'Sum';
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return delegate(name, args);
  const axes = [...new Set(tf.util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return delegate(name, args);
  let outer = 1;
  for (let d = 0; d < k; d++) outer *= x.shape[d]!;
  const keptShape = x.shape.slice(k);
  let inner = 1;
  for (const d of keptShape) inner *= d;
  const outShape = attrs.keepDims ? [...new Array<number>(k).fill(1), ...keptShape] : keptShape;
  const out = backend.makeOutput(outShape, 'float32');
  const src = heap(backend, x);
  const dst = heap(backend, out);
  if (outer === 0) {
    dst.fill(mean ? NaN : 0);
    return out;
  }
  const acc = new Float64Array(inner);
  // Eight rows per pass: an eighth of the accumulator traffic.
  let m = 0;
  let off = 0;
  for (; m + 8 <= outer; m += 8, off += 8 * inner) {
    const o1 = off + inner;
    const o2 = o1 + inner;
    const o3 = o2 + inner;
    const o4 = o3 + inner;
    const o5 = o4 + inner;
    const o6 = o5 + inner;
    const o7 = o6 + inner;
    for (let j = 0; j < inner; j++) {
      const a = src[off + j]! + src[o1 + j]! + (src[o2 + j]! + src[o3 + j]!);
      const b = src[o4 + j]! + src[o5 + j]! + (src[o6 + j]! + src[o7 + j]!);
      acc[j] = acc[j]! + (a + b);
    }
  }
  for (; m < outer; m++, off += inner) {
    for (let j = 0; j < inner; j++) acc[j] = acc[j]! + src[off + j]!;
  }
  if (mean) for (let j = 0; j < inner; j++) acc[j] = acc[j]! / outer;
  dst.set(acc);
  return out;
}

/**
 * Batch normalisation with per-channel (last axis) or scalar statistics, as
 * y = (x - mean) * a + offset with a = scale / sqrt(variance + eps) worked out per channel;
 * the three broadcast passes over x run in the backend's (XNNPACK) Sub, Multiply and Add,
 * together several times faster than its batch-norm loop. Other broadcasts go to the
 * backend's kernel.
 */
function batchNorm(
  args: KernelArgs<
    { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo },
    { varianceEpsilon: number }
  >,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, mean, variance, offset, scale } = inputs;
  const rank = x.shape.length;
  const C = rank === 0 ? 1 : x.shape[rank - 1]!;
  // Each statistic must be a scalar or hold exactly one value per channel.
  const fits = (t: TensorInfo | undefined): boolean => {
    if (t === undefined || t === null) return true;
    if (t.dtype !== 'float32') return false;
    const n = tf.util.sizeFromShape(t.shape);
    return n === 1 || (n === C && t.shape.length > 0 && t.shape[t.shape.length - 1] === C);
  };
  if (x.dtype !== 'float32' || rank === 0 || tf.util.sizeFromShape(x.shape) === 0 || ![mean, variance, offset, scale].every(fits)) {
    return delegate('FusedBatchNorm', args);
  }
  const muInfo = backend.makeOutput([C], 'float32');
  const aInfo = backend.makeOutput([C], 'float32');
  const bInfo = backend.makeOutput([C], 'float32');
  {
    const perChannel = (t: TensorInfo | undefined, fallback: number): Float64Array => {
      const v = new Float64Array(C).fill(fallback);
      if (t === undefined || t === null) return v;
      const h = heap(backend, t);
      if (h.length === 1) v.fill(h[0]!);
      else for (let c = 0; c < C; c++) v[c] = h[c]!;
      return v;
    };
    const vr = perChannel(variance, 1);
    const sc = perChannel(scale, 1);
    heap(backend, muInfo).set(perChannel(mean, 0));
    heap(backend, bInfo).set(perChannel(offset, 0));
    const a = heap(backend, aInfo);
    for (let c = 0; c < C; c++) a[c] = sc[c]! / Math.sqrt(vr[c]! + attrs.varianceEpsilon);
  }
  const centred = runKernel('Sub', backend, { a: x, b: muInfo }, {});
  const scaled = runKernel('Multiply', backend, { a: centred, b: aInfo }, {});
  const out = runKernel('Add', backend, { a: scaled, b: bInfo }, {});
  for (const t of [centred, scaled, muInfo, aInfo, bInfo]) backend.disposeData(t.dataId);
  return out;
}
