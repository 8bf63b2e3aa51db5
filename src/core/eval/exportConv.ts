/**
 * Layers with weights: Conv2D, DepthwiseConv2D (both NCHW Conv nodes, with a following
 * BatchNormalization folded in when the exporter planned it) and Dense (Gemm).
 */
import type { OnnxAttribute } from './onnxProto';
import type { OnnxGraphBuilder } from './onnxGraph';
import { intAttr, intsAttr } from './onnxGraph';
import { applyActivation, applyLayerActivation, fusedActivation } from './exportActivations';
import { batchNormAffine } from './exportBatchNorm';
import type { ExportValue, LayerCall, LayerConverter, LayerWeight } from './exportTypes';
import { asNchw, configPair, isOnePixel, configString, layerWeights, requireChannelsLast, requireWeight, singleInput, unsupported } from './exportTypes';

/**
 * TF's 'same' padding along one axis as [before, after]: the output has ceil(in / stride)
 * positions and any odd amount of padding goes after (bottom/right), which is why the
 * ONNX pads can be asymmetric.
 */
export function samePadding(inSize: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Window attributes shared by Conv, MaxPool and AveragePool for a TF 'same'/'valid' padding. */
export function windowAttributes(
  call: LayerCall,
  x: ExportValue,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): OnnxAttribute[] {
  const padding = configString(call, 'padding', 'valid');
  const attrs = [intsAttr('kernel_shape', kernel), intsAttr('strides', strides)];
  if (padding === 'valid') return [...attrs, intsAttr('pads', [0, 0, 0, 0])];
  if (padding !== 'same') throw unsupported(call, `padding "${padding}" (only same and valid are supported)`);
  const [, h, w] = x.shape;
  if (typeof h !== 'number' || typeof w !== 'number') {
    // Without a static size the pads are unknown here; SAME_UPPER is TF's rule computed at run time.
    return [...attrs, { name: 'auto_pad', kind: 'string', value: 'SAME_UPPER' }];
  }
  const [top, bottom] = samePadding(h, kernel[0], strides[0], dilations[0]);
  const [left, right] = samePadding(w, kernel[1], strides[1], dilations[1]);
  return [...attrs, intsAttr('pads', [top, left, bottom, right])];
}

/** The input image, NCHW or NHWC (emitConv picks the layout its nodes need). */
function requireImage(call: LayerCall): ExportValue {
  const x = singleInput(call);
  if (x.layout === 'plain') throw unsupported(call, `expected a 4-D image input, got shape [${x.shape.join(', ')}]`);
  return x;
}

/** Scales each output channel's filter and bias by a folded BatchNormalization. */
function foldInto(call: LayerCall, weight: Float32Array, bias: Float32Array): void {
  if (!call.foldedBatchNorm) return;
  const { scale, shift } = batchNormAffine(call.foldedBatchNorm);
  const per = weight.length / bias.length;
  if (scale.length !== bias.length) throw unsupported(call, `the folded BatchNormalization has ${scale.length} channels, the filter ${bias.length}`);
  for (let o = 0; o < bias.length; o++) {
    const s = scale[o] as number;
    for (let i = o * per; i < (o + 1) * per; i++) weight[i] = (weight[i] as number) * s;
    bias[o] = (bias[o] as number) * s + (shift[o] as number);
  }
}

/** A copy of the bias (folding writes into it), or undefined when the layer has none. */
function copyBias(weights: Map<string, LayerWeight>): Float32Array | undefined {
  const b = weights.get('bias');
  return b ? Float32Array.from(b.data) : undefined;
}

/**
 * Images with at most this many pixels take their 1x1 convolutions as one Gemm over the
 * batch's pixels. Measured on MobileNetV1's 2x2 blocks (512 channels, batch 128): 1.5x
 * faster than Conv including the transposes; at 4x4 the Conv was faster.
 */
export const GEMM_MAX_PIXELS = 4;

/**
 * A 1x1 convolution of a small image as one Gemm: [N*H*W, Cin] x [Cin, Cout]. ONNX Runtime
 * runs a Conv image by image, so at a few pixels each image re-reads the whole filter bank
 * for a product with only H*W columns; as one Gemm the batch shares it. The activation goes
 * on the Gemm's rows (ONNX Runtime fuses the two), then the rows become the image again: at
 * 1x1 pixels NCHW and NHWC coincide ([N, C]); above that the result stays NHWC (the next
 * depthwise Conv's Transpose back is folded by ONNX Runtime into its own layout change).
 * MobileNetV1's tail at 28x28 input (conv4_2_sep ... conv5_5_sep at 2x2, conv5_6_sep and
 * conv6_sep at 1x1) is such a conv.
 */
function emitPointwiseGemm(g: OnnxGraphBuilder, call: LayerCall, x: ExportValue, w: Float32Array, wDims: number[], bias: Float32Array | undefined, activate: Activate): ExportValue {
  const name = call.layer.name;
  const [cout, cin] = wDims as [number, number];
  const [, h, wd] = x.shape as [unknown, number, number];
  // OIHW with H = W = 1 is [out, in]; Gemm takes [in, out].
  const wt = new Float32Array(cin * cout);
  for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) wt[i * cout + o] = w[o * cin + i] as number;
  const onePixel = isOnePixel(x.shape);
  let rows: string;
  if (onePixel) rows = g.op('Flatten', [x.name], `${name}/flatten`, [intAttr('axis', 1)]);
  else {
    const nhwc = x.layout === 'nhwc' ? x.name : g.op('Transpose', [x.name], `${name}/to_nhwc`, [intsAttr('perm', [0, 2, 3, 1])]);
    rows = g.op('Reshape', [nhwc, g.int64Const(`${name}/rows_shape`, [2], [-1, cin])], `${name}/rows`);
  }
  const inputs = [rows, g.floatConst(`${name}/W`, [cin, cout], wt)];
  if (bias) inputs.push(g.floatConst(`${name}/B`, [bias.length], bias));
  const product = activate({ name: g.op('Gemm', inputs, `${name}/gemm`), layout: 'plain', shape: [null, cout] });
  const shape = onePixel ? [0, cout, 1, 1] : [-1, h, wd, cout];
  const out = g.op('Reshape', [product.name, g.int64Const(`${name}/out_shape`, [4], shape)], outputName(call));
  return { name: out, layout: onePixel ? 'nchw' : 'nhwc', shape: call.outputShape };
}

/**
 * Whether a 1x1 kernel maps a small static image onto the same pixels (stride 1, or any
 * stride at one pixel, where padding, stride and dilation leave the one pixel as it is).
 */
function isSmallPointwise(inShape: readonly (number | null)[], outShape: readonly (number | null)[]): boolean {
  const [, h, w] = inShape;
  const [, oh, ow] = outShape;
  return typeof h === 'number' && typeof w === 'number' && h === oh && w === ow && h * w <= GEMM_MAX_PIXELS;
}

/**
 * A depthwise conv (multiplier 1, 'same') of a 1x1 image: only the tap over the one pixel
 * meets data, so it is a per-channel scale and shift. As Mul + Add ONNX Runtime skips the
 * layout changes into and out of its blocked format that a Conv costs (MobileNetV1's
 * conv6_dw at 28x28 input, ONNX Runtime's profiler over 78 batches: 20 ms -> 2 ms).
 */
function emitPixelDepthwise(
  g: OnnxGraphBuilder,
  call: LayerCall,
  x: ExportValue,
  w: Float32Array,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  bias: Float32Array | undefined,
  activate: Activate,
): ExportValue {
  const name = call.layer.name;
  const [top] = samePadding(1, kernel[0], strides[0], dilations[0]);
  const [left] = samePadding(1, kernel[1], strides[1], dilations[1]);
  // The pixel sits under tap (top, left) when that tap is on the dilation grid; else no tap meets it.
  const onGrid = top % dilations[0] === 0 && left % dilations[1] === 0;
  const tap = (top / dilations[0]) * kernel[1] + left / dilations[1];
  const channels = w.length / (kernel[0] * kernel[1]);
  const scale = new Float32Array(channels);
  if (onGrid) for (let c = 0; c < channels; c++) scale[c] = w[c * kernel[0] * kernel[1] + tap] as number;
  // Broadcast over the channel axis: [C, 1, 1] against NCHW, [C] against NHWC.
  const dims = x.layout === 'nchw' ? [channels, 1, 1] : [channels];
  let out = g.op('Mul', [x.name, g.floatConst(`${name}/scale`, dims, scale)], `${name}/scaled`);
  if (bias) out = g.op('Add', [out, g.floatConst(`${name}/B`, dims, bias)], `${name}/shifted`);
  return activate({ name: out, layout: x.layout, shape: call.outputShape });
}

/** Applies the layer's own activation and a folded activation layer, in that order. */
type Activate = (x: ExportValue) => ExportValue;

/** The name a converted conv's output takes: its last folded layer's. */
function outputName(call: LayerCall): string {
  return call.foldedActivation?.layer.name ?? call.foldedBatchNorm?.name ?? call.layer.name;
}

function emitConv(g: OnnxGraphBuilder, call: LayerCall, input: ExportValue, w: Float32Array, wDims: number[], bias: Float32Array | undefined, group: number): ExportValue {
  const name = call.layer.name;
  const kernel = configPair(call, 'kernelSize');
  const strides = configPair(call, 'strides', [1, 1]);
  const dilations = configPair(call, 'dilationRate', [1, 1]);
  if (call.foldedBatchNorm) {
    bias ??= new Float32Array(wDims[0] as number);
    foldInto(call, w, bias);
  }
  const activate: Activate = (x) => {
    const own = applyActivation(g, call, x, fusedActivation(call));
    return call.foldedActivation ? applyLayerActivation(g, call.foldedActivation, own) : own;
  };
  if (group === 1 && kernel[0] === 1 && kernel[1] === 1 && isSmallPointwise(input.shape, call.outputShape)) {
    return emitPointwiseGemm(g, call, input, w, wDims, bias, activate);
  }
  const [cout, perGroup] = wDims as [number, number];
  if (group === cout && perGroup === 1 && isOnePixel(input.shape) && isOnePixel(call.outputShape) && configString(call, 'padding', 'valid') === 'same') {
    return emitPixelDepthwise(g, call, input, w, kernel, strides, dilations, bias, activate);
  }
  const x = asNchw(g, input);
  const inputs = [x.name, g.floatConst(`${name}/W`, wDims, w)];
  if (bias) inputs.push(g.floatConst(`${name}/B`, [bias.length], bias));
  const attrs = [...windowAttributes(call, x, kernel, strides, dilations), intsAttr('dilations', dilations), intAttr('group', group)];
  const out = activate({ name: g.op('Conv', inputs, call.foldedBatchNorm?.name ?? name, attrs), layout: 'nchw', shape: call.outputShape });
  const [, oh, ow] = call.outputShape;
  if (typeof oh === 'number' && typeof ow === 'number' && oh * ow > 1 && oh * ow <= GEMM_MAX_PIXELS) {
    // A small image is most likely read next by a 1x1 conv, which takes it NHWC (see
    // emitPointwiseGemm); ONNX Runtime folds this Transpose into the Conv's own layout change.
    return { name: g.op('Transpose', [out.name], outputName(call), [intsAttr('perm', [0, 2, 3, 1])]), layout: 'nhwc', shape: call.outputShape };
  }
  return out;
}

export const convertConv2D: LayerConverter = (g, call) => {
  requireChannelsLast(call);
  const x = requireImage(call);
  const weights = layerWeights(call.layer);
  const k = requireWeight(call, weights, 'kernel');
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
  if (cin !== x.shape[3]) throw unsupported(call, `kernel has ${cin} input channels but the input has ${x.shape[3]} (grouped convolution)`);
  // TF.js stores HWIO; ONNX wants OIHW.
  const w = new Float32Array(k.data.length);
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) w[((o * cin + i) * kh + y) * kw + xx] = k.data[((y * kw + xx) * cin + i) * cout + o] as number;
  return emitConv(g, call, x, w, [cout, cin, kh, kw], copyBias(weights), 1);
};

export const convertDepthwiseConv2D: LayerConverter = (g, call) => {
  requireChannelsLast(call);
  const x = requireImage(call);
  const weights = layerWeights(call.layer);
  const k = requireWeight(call, weights, 'depthwise_kernel');
  const [kh, kw, c, m] = k.shape as [number, number, number, number];
  // TF.js stores [kh, kw, C, M] and output channel c*M + m; a grouped ONNX Conv with
  // group = C numbers its outputs the same way, with filters [C*M, 1, kh, kw].
  const w = new Float32Array(k.data.length);
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let ci = 0; ci < c; ci++)
        for (let mi = 0; mi < m; mi++) w[((ci * m + mi) * kh + y) * kw + xx] = k.data[((y * kw + xx) * c + ci) * m + mi] as number;
  return emitConv(g, call, x, w, [c * m, 1, kh, kw], copyBias(weights), c);
};

export const convertDense: LayerConverter = (g, call) => {
  const x = singleInput(call);
  if (x.shape.length !== 2) throw unsupported(call, `Dense on a rank-${x.shape.length} input (add a Flatten before it)`);
  const weights = layerWeights(call.layer);
  const k = requireWeight(call, weights, 'kernel');
  const name = call.layer.name;
  // Gemm computes x @ B + C with B as [in, out], which is TF.js's kernel layout as is.
  const inputs = [x.name, g.floatConst(`${name}/W`, k.shape, k.data)];
  const bias = weights.get('bias');
  if (bias) inputs.push(g.floatConst(`${name}/B`, bias.shape, bias.data));
  const out: ExportValue = { name: g.op('Gemm', inputs, name), layout: 'plain', shape: call.outputShape };
  return applyActivation(g, call, out, fusedActivation(call));
};
