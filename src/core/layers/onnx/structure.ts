/**
 * Ops that move or relabel axes: Concat, Flatten and Reshape (a classifier head's flatten,
 * or adding and removing size-1 axes), Transpose (the NHWC/NCHW switches of tf2onnx
 * exports), Squeeze and Unsqueeze. They never mix channels; what they change is WHERE the
 * channels are, which their channel-axis facet says.
 */
import { importConcat, importFlatten, importTranspose, importReshape, importSqueeze } from '../../onnx/import/structureImport';
import { concatLayouts, repeatEach, tile } from '../../pruning/channelUniverse';
import { NO_MACS } from '../macs';
import { mergeInputs } from '../rules';
import type { ChannelRule, RuleContext, Shape } from '../types';
import { configInt, configInts, knownSizes, normaliseAxis, onlyInput, sizeBetween } from './config';
import type { AxisContext, OnnxOpClass, OnnxRewriteContext } from './types';

const concatChannels: ChannelRule = (ctx) => {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = normaliseAxis(configInt(ctx.config, 'axis', 1), rank);
  const c = ctx.channelAxes[0];
  if (configInt(ctx.config, 'constantInputs', 0) > 0) return ctx.opaque('it concatenates a constant');
  if (ctx.channelAxes.some((a) => a !== c)) return ctx.opaque('its inputs have their channels on different axes');
  if (axis === c) return [concatLayouts(ctx.inputs)];
  // Joined along a position axis, channel i of every input lands in the same channel.
  return mergeInputs(ctx);
};

/** How a reshape treats the channels: spread over a flat row (a classifier's flatten), kept on an axis, or mixed. */
type ReshapeKind = { readonly kind: 'flatten' } | { readonly kind: 'axis'; readonly axis: number } | undefined;

function reshapeKind(input: Shape, output: Shape, c: number): ReshapeKind {
  if (!knownSizes(input) || !knownSizes(output)) return undefined;
  if (output.length === 2 && input.length > 2 && output[1] === sizeBetween(input, 1, input.length)) return { kind: 'flatten' };
  // Only size-1 axes added or removed: the channels keep their place among the others.
  const big = (shape: Shape): number[] => shape.map((d, i) => (i > 0 && d !== 1 ? i : -1)).filter((i) => i > 0);
  const inBig = big(input);
  const outBig = big(output);
  if (inBig.length !== outBig.length || inBig.some((i, k) => input[i] !== output[outBig[k] as number])) return undefined;
  const k = inBig.indexOf(c);
  return k < 0 ? undefined : { kind: 'axis', axis: outBig[k] as number };
}

/** Row (c * inner + p) of a flattened tensor holds channel c, for a channel axis with `outer` positions before it. */
function flattened(ctx: RuleContext): Int32Array[] {
  const input = onlyInput(ctx);
  const shape = ctx.inputShapes[0] ?? [];
  const c = ctx.channelAxes[0] ?? 1;
  if (input === undefined || !knownSizes(shape)) return ctx.opaque('its input has an unknown size');
  return [tile(repeatEach(input, sizeBetween(shape, c + 1, shape.length)), sizeBetween(shape, 1, c))];
}

const flattenChannels: ChannelRule = (ctx) => {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  if (normaliseAxis(configInt(ctx.config, 'axis', 1), rank) !== 1) return ctx.opaque('it flattens the batch axis');
  const input = onlyInput(ctx);
  return rank <= 2 && input !== undefined ? [input] : flattened(ctx);
};

const reshapeChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const kind = reshapeKind(ctx.inputShapes[0] ?? [], ctx.outputShapes[0] ?? [], ctx.channelAxes[0] ?? 1);
  if (input === undefined || kind === undefined) return ctx.opaque('it reshapes the channel axis');
  return kind.kind === 'flatten' ? flattened(ctx) : [input];
};

const reshapeAxis = (ctx: AxisContext): number => {
  const kind = reshapeKind(ctx.inputShapes[0] ?? [], ctx.outputShape, ctx.inputAxes[0] ?? 1);
  return kind?.kind === 'axis' ? kind.axis : 1;
};

/**
 * After pruning, the one literal size of a Reshape's target that counted the channels
 * (the 256 of [N, 256]) is scaled to the narrower input; 0 and -1 adapt by themselves.
 */
function retarget(ctx: OnnxRewriteContext): { constants: ReadonlyMap<number, readonly number[]> } | undefined {
  const target = configInts(ctx.config, 'shape');
  const [before, after] = [ctx.before[0], ctx.after[0]];
  if (target === undefined || before === undefined || after === undefined) return undefined;
  const numel = (s: readonly (number | string)[]): number => s.slice(1).reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1);
  if (numel(before) === numel(after)) return undefined;
  const literal = target.map((t, i) => (i > 0 && t > 1 ? i : -1)).filter((i) => i > 0);
  if (literal.length !== 1) return undefined;
  const at = literal[0] as number;
  const next = [...target];
  next[at] = ((target[at] as number) * numel(after)) / numel(before);
  return { constants: new Map([[1, next]]) };
}

const transposeAxis = (ctx: AxisContext): number => {
  const rank = ctx.outputShape.length;
  const perm = configInts(ctx.config, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  return perm.indexOf(ctx.inputAxes[0] ?? 1);
};

/** The axes a Squeeze removes: as given, or every size-1 axis. */
function squeezed(config: Readonly<Record<string, unknown>>, input: Shape): number[] {
  const axes = configInts(config, 'axes');
  if (axes !== undefined) return axes.map((a) => normaliseAxis(a, input.length));
  return input.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
}

const squeezeChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  if (input === undefined || squeezed(ctx.config, ctx.inputShapes[0] ?? []).includes(ctx.channelAxes[0] ?? -1)) return ctx.opaque('it removes the channel axis');
  return [input];
};

const squeezeAxis = (ctx: AxisContext): number => {
  const c = ctx.inputAxes[0] ?? 1;
  return c - squeezed(ctx.config, ctx.inputShapes[0] ?? []).filter((a) => a < c).length;
};

/** Unsqueeze inserts axes at output positions; the channel axis is the c-th position not inserted. */
const unsqueezeAxis = (ctx: AxisContext): number => {
  const rank = ctx.outputShape.length;
  const inserted = new Set((configInts(ctx.config, 'axes') ?? []).map((a) => normaliseAxis(a, rank)));
  const kept = Array.from({ length: rank }, (_, i) => i).filter((i) => !inserted.has(i));
  return kept[ctx.inputAxes[0] ?? 1] ?? 1;
};

const passChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  return input === undefined ? ctx.opaque('it has several inputs') : [input];
};

const MOVES_AXES = 'follows its input: it moves the channel axis, never mixes channels';

export const ONNX_CONCAT: OnnxOpClass = {
  className: 'Concat',
  pruning: "concatenates: on the channel axis each input's channels keep their own group, side by side; on another axis channel i of every input goes together",
  inputs: [],
  channels: concatChannels,
  weights: {},
  macs: NO_MACS,
  tfjs: { convert: importConcat },
};

export const ONNX_FLATTEN: OnnxOpClass = {
  className: 'Flatten',
  pruning: 'follows its input: each channel becomes one row per position (NCHW: a run of H * W rows), and those rows go together',
  inputs: ['input'],
  channels: flattenChannels,
  weights: {},
  macs: NO_MACS,
  channelAxis: () => 1,
  masksOnInput: true,
  tfjs: { convert: importFlatten },
};

export const ONNX_RESHAPE: OnnxOpClass = {
  className: 'Reshape',
  pruning: 'follows its input when it flattens the channels and positions into rows (as Flatten) or adds and removes size-1 axes; any other reshape mixes channels',
  inputs: ['data', 'shape'],
  channels: reshapeChannels,
  weights: {},
  macs: NO_MACS,
  channelAxis: reshapeAxis,
  masksOnInput: true,
  rewrite: retarget,
  tfjs: { convert: importReshape },
};

export const ONNX_TRANSPOSE: OnnxOpClass = { className: 'Transpose', pruning: MOVES_AXES, inputs: ['data'], channels: passChannels, weights: {}, macs: NO_MACS, channelAxis: transposeAxis, tfjs: { convert: importTranspose } };

export const ONNX_SQUEEZE: OnnxOpClass = { className: 'Squeeze', pruning: MOVES_AXES, inputs: ['data', 'axes'], channels: squeezeChannels, weights: {}, macs: NO_MACS, channelAxis: squeezeAxis, tfjs: { convert: importSqueeze } };

export const ONNX_UNSQUEEZE: OnnxOpClass = { className: 'Unsqueeze', pruning: MOVES_AXES, inputs: ['data', 'axes'], channels: passChannels, weights: {}, macs: NO_MACS, channelAxis: unsqueezeAxis, tfjs: { convert: importSqueeze } };
