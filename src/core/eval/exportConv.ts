/**
 * How a convolution becomes ONNX nodes once its filters are in ONNX's OIHW layout: an NCHW
 * Conv (with a following BatchNormalization folded in when the exporter planned it), or the
 * cheaper forms small images allow (one Gemm over the batch's pixels, a per-channel Mul +
 * Add). The per-class converters that prepare the filters are in src/core/layers/conv.ts.
 */
import type { OnnxAttribute } from './onnxProto';
import type { OnnxGraphBuilder } from './onnxGraph';
import { intAttr, intsAttr } from './onnxGraph';
import { applyActivation, fusedActivation } from './exportActivations';
import { batchNormAffine } from './exportBatchNorm';
import type { ExportValue, LayerCall } from './exportTypes';
import { asNchw, configPair, isOnePixel, configString, unsupported } from './exportTypes';

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
function emitPointwiseGemm(g: OnnxGraphBuilder, call: LayerCall, conv: ConvWeights, activate: Activate): ExportValue {
  const name = conv.name ?? call.layer.name;
  const { input: x, weights: w, bias } = conv;
  const [cout, cin] = conv.dims as [number, number];
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
function emitPixelDepthwise(g: OnnxGraphBuilder, call: LayerCall, conv: ConvWeights, window: ConvWindow, activate: Activate): ExportValue {
  const name = conv.name ?? call.layer.name;
  const { input: x, weights: w, bias } = conv;
  const { kernel, strides, dilations } = window;
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

/**
 * A convolution's filters in ONNX's layout, ready to emit. `weights` may be scaled in place
 * by a folded BatchNormalization, so it must be the converter's own copy.
 */
export interface ConvWeights {
  readonly input: ExportValue;
  /** OIHW filters. */
  readonly weights: Float32Array;
  /** [out channels, in channels per group, kh, kw]. */
  readonly dims: readonly number[];
  readonly bias: Float32Array | undefined;
  readonly group: number;
  /** Node names start with this (default: the layer's name); a layer emitting two convs names each. */
  readonly name?: string;
}

/** A convolution's window, from its layer config. */
interface ConvWindow {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
}

/** Emits a convolution layer: its Conv (or a cheaper equivalent), folded BN and activations. */
export function emitConv(g: OnnxGraphBuilder, call: LayerCall, filters: ConvWeights): ExportValue {
  const name = filters.name ?? call.layer.name;
  const window: ConvWindow = { kernel: configPair(call, 'kernelSize'), strides: configPair(call, 'strides', [1, 1]), dilations: configPair(call, 'dilationRate', [1, 1]) };
  const { kernel, strides, dilations } = window;
  // Folding writes into the bias, so it gets a copy (or zeros to fold the BN's shift into).
  let bias = filters.bias === undefined ? undefined : Float32Array.from(filters.bias);
  if (call.foldedBatchNorm) {
    bias ??= new Float32Array(filters.dims[0] as number);
    foldInto(call, filters.weights, bias);
  }
  const conv: ConvWeights = { ...filters, bias };
  const { input, group } = conv;
  const activate: Activate = (x) => {
    const own = applyActivation(g, call, x, fusedActivation(call));
    const folded = call.foldedActivation;
    return folded ? folded.convert(g, { ...folded, inputs: [own] }) : own;
  };
  if (group === 1 && kernel[0] === 1 && kernel[1] === 1 && isSmallPointwise(input.shape, call.outputShape)) {
    return emitPointwiseGemm(g, call, conv, activate);
  }
  const [cout, perGroup] = conv.dims as [number, number];
  if (group === cout && perGroup === 1 && isOnePixel(input.shape) && isOnePixel(call.outputShape) && configString(call, 'padding', 'valid') === 'same') {
    return emitPixelDepthwise(g, call, conv, window, activate);
  }
  const x = asNchw(g, input);
  const inputs = [x.name, g.floatConst(`${name}/W`, conv.dims, conv.weights)];
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
