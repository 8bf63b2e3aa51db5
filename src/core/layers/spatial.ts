/**
 * Layers that move pixels but never mix channels (padding, cropping, upsampling), and
 * Flatten, whose output rows are (position, channel) pairs.
 */
import type { ExportValue, LayerCall, LayerConverter } from '../eval/exportTypes';
import { configPair, configString, isOnePixel, nchwImage, requireChannelsLast, singleInput, unsupported } from '../eval/exportTypes';
import { intAttr, intsAttr, type OnnxGraphBuilder } from '../eval/onnxGraph';
import { tile } from '../pruning/channelUniverse';
import { NO_MACS } from './macs';
import { passThrough, singleLayout } from './rules';
import type { ChannelRule, LayerClass } from './types';

/** A Keras two-axis amount (padding, cropping) as [top, left, bottom, right]. */
function sideAmounts(call: LayerCall, key: string): [number, number, number, number] {
  const p = call.config[key];
  if (typeof p === 'number') return [p, p, p, p];
  if (Array.isArray(p) && p.length === 2 && p.every((q) => typeof q === 'number')) {
    // (height, width): the same amount on both sides of each axis.
    const [h, w] = p as [number, number];
    return [h, w, h, w];
  }
  if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2)) {
    const [[t, b], [l, r]] = p as [[number, number], [number, number]];
    return [t, l, b, r];
  }
  throw unsupported(call, `${key} ${JSON.stringify(p)}`);
}

const convertZeroPadding2D: LayerConverter = (g, call) => {
  const x = nchwImage(g, call);
  const [t, l, b, r] = sideAmounts(call, 'padding');
  // ONNX Pad lists all begins then all ends, over N, C, H, W.
  const padsName = g.int64Const(`${call.layer.name}/pads`, [8], [0, 0, t, l, 0, 0, b, r]);
  const name = g.op('Pad', [x.name, padsName], call.layer.name);
  return { name, layout: 'nchw', shape: call.outputShape, zeroPadded: name };
};

const convertCropping2D: LayerConverter = (g, call) => {
  const x = nchwImage(g, call);
  const [t, l, b, r] = sideAmounts(call, 'cropping');
  const [, h, w] = x.shape;
  if (typeof h !== 'number' || typeof w !== 'number') throw unsupported(call, 'an input of unknown height or width');
  const name = call.layer.name;
  const starts = g.int64Const(`${name}/starts`, [2], [t, l]);
  const ends = g.int64Const(`${name}/ends`, [2], [h - b, w - r]);
  const axes = g.int64Const(`${name}/axes`, [2], [2, 3]);
  return { name: g.op('Slice', [x.name, starts, ends, axes], name), layout: 'nchw', shape: call.outputShape };
};

/**
 * UpSampling2D repeats each pixel (nearest) or interpolates as tf.image.resizeBilinear does
 * without aligned corners or half-pixel centres, which is ONNX Resize's 'asymmetric' mode.
 */
const convertUpSampling2D: LayerConverter = (g, call) => {
  const x = nchwImage(g, call);
  const [sh, sw] = configPair(call, 'size', [2, 2]);
  const interpolation = configString(call, 'interpolation', 'nearest');
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw unsupported(call, `interpolation "${interpolation}"`);
  const name = call.layer.name;
  const roi = g.floatConst(`${name}/roi`, [0], []);
  const scales = g.floatConst(`${name}/scales`, [4], [1, 1, sh, sw]);
  const attrs = [
    { name: 'mode', kind: 'string' as const, value: interpolation === 'nearest' ? 'nearest' : 'linear' },
    { name: 'coordinate_transformation_mode', kind: 'string' as const, value: 'asymmetric' },
    ...(interpolation === 'nearest' ? [{ name: 'nearest_mode', kind: 'string' as const, value: 'floor' }] : []),
  ];
  return { name: g.op('Resize', [x.name, roi, scales], name, attrs), layout: 'nchw', shape: call.outputShape };
};

/** Channels-last Flatten: row (y * W + x) * C + c holds channel c. */
const flattenChannels: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  const shape = ctx.inputShapes[0] ?? [];
  const positions = shape.slice(1, -1);
  if (input === undefined || positions.some((d) => d === null)) return ctx.opaque('its input has an unknown size');
  return [tile(input, positions.reduce<number>((n, d) => n * (d ?? 1), 1))];
};

function flattenToRows(g: OnnxGraphBuilder, call: LayerCall): ExportValue {
  requireChannelsLast(call);
  const x = singleInput(call);
  if (x.shape.length === 2) return x;
  let source = x.name;
  // TF.js flattens in H, W, C order; an NCHW tensor must go back to NHWC first, or every
  // Dense row after it would be permuted. With H = W = 1 both orders coincide.
  if (x.layout === 'nchw' && !isOnePixel(x.shape)) {
    source = g.op('Transpose', [x.name], `${call.layer.name}/to_nhwc`, [intsAttr('perm', [0, 2, 3, 1])]);
  }
  return { name: g.op('Flatten', [source], call.layer.name, [intAttr('axis', 1)]), layout: 'plain', shape: call.outputShape };
}

/**
 * Reshape between a vector and a 1x1 map ([N, C] <-> [N, 1, 1, C], as a squeeze-and-excite
 * block does): the channels stay the last axis, one per position. Any other reshape moves
 * channels, and the pruner cannot follow.
 */
function keepsChannels(inShape: readonly (number | null)[], outShape: readonly (number | null)[]): boolean {
  const ones = (s: readonly (number | null)[]): boolean => s.slice(1, -1).every((d) => d === 1);
  return inShape.length >= 2 && outShape.length >= 2 && inShape.at(-1) === outShape.at(-1) && ones(inShape) && ones(outShape);
}

const reshapeChannels: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  const target = ctx.config['targetShape'];
  const outShape = [null, ...(Array.isArray(target) ? (target as (number | null)[]) : [])];
  if (input === undefined || !keepsChannels(ctx.inputShapes[0] ?? [], outShape)) return ctx.opaque('it moves the channels off the last axis');
  return [input];
};

const convertReshape: LayerConverter = (g, call) => {
  const x = singleInput(call);
  if (!keepsChannels(x.shape, call.outputShape)) throw unsupported(call, `a reshape from [${x.shape.join(', ')}] to [${call.outputShape.join(', ')}] that moves the channels`);
  const channels = call.outputShape.at(-1) as number;
  const name = call.layer.name;
  if (call.outputShape.length === 4) {
    // NCHW with one pixel: [N, C, 1, 1].
    const shape = g.int64Const(`${name}/shape`, [4], [0, channels, 1, 1]);
    const source = x.layout === 'plain' ? x.name : g.op('Flatten', [x.name], `${name}/flat`, [intAttr('axis', 1)]);
    return { name: g.op('Reshape', [source, shape], name), layout: 'nchw', shape: call.outputShape };
  }
  const shape = g.int64Const(`${name}/shape`, [call.outputShape.length], [0, ...call.outputShape.slice(1).map((d) => d ?? -1)]);
  const source = x.layout === 'plain' ? x.name : g.op('Flatten', [x.name], `${name}/flat`, [intAttr('axis', 1)]);
  return { name: g.op('Reshape', [source, shape], name), layout: 'plain', shape: call.outputShape };
};

const MOVES_PIXELS = 'follows its input: it moves pixels, never mixes channels';

export const ZERO_PADDING2D: LayerClass = { className: 'ZeroPadding2D', pruning: MOVES_PIXELS, channels: passThrough, weights: {}, macs: NO_MACS, onnx: { convert: convertZeroPadding2D } };
export const CROPPING2D: LayerClass = { className: 'Cropping2D', pruning: MOVES_PIXELS, channels: passThrough, weights: {}, macs: NO_MACS, onnx: { convert: convertCropping2D } };
export const UPSAMPLING2D: LayerClass = { className: 'UpSampling2D', pruning: MOVES_PIXELS, channels: passThrough, weights: {}, macs: NO_MACS, onnx: { convert: convertUpSampling2D } };

export const RESHAPE: LayerClass = {
  className: 'Reshape',
  pruning: 'follows its input between a vector and a 1x1 map ([N, C] <-> [N, 1, 1, C]); any other reshape blocks pruning',
  channels: reshapeChannels,
  weights: {},
  resize: (config, channels) => {
    const target = config['targetShape'];
    if (Array.isArray(target) && target.length > 0) config['targetShape'] = [...target.slice(0, -1), channels];
  },
  macs: NO_MACS,
  onnx: { convert: convertReshape },
};

export const FLATTEN: LayerClass = {
  className: 'Flatten',
  pruning: 'follows its input: each channel becomes one row per position, and those rows go together',
  channels: flattenChannels,
  weights: {},
  macs: NO_MACS,
  onnx: { convert: flattenToRows },
  masksOnInput: true,
};
