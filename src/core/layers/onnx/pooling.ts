/**
 * Pooling over NCHW and ReduceMean: each channel pooled on its own, so channels pass
 * through. ReduceMean over the channel axis mixes them.
 */
import { importGlobalPool, importPool, importReduceMean } from '../../onnx/import/poolImport';
import { numelPerImage } from '../macs';
import type { ChannelRule, MacsFacet } from '../types';
import { channelsOn, configInt, configInts, normaliseAxis, onlyInput } from './config';
import type { AxisContext, OnnxOpClass } from './types';

const poolChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  if (input === undefined || !channelsOn(ctx, 0, 1)) return ctx.opaque('it pools an NCHW input, and the channels are not on axis 1 here');
  return [input];
};

/** PaddleSlim counts a pooling window's reads: every output value times the window. */
const WINDOW_MACS: MacsFacet = {
  counted: () => [],
  elementwise: (call) => numelPerImage(call.outputShape) * (configInts(call.config, 'kernel_shape') ?? []).reduce((a, b) => a * b, 1),
};

/** A global pool (or a mean over positions) reads every input element once. */
const GLOBAL_MACS: MacsFacet = { counted: () => [], elementwise: (call) => numelPerImage(call.inputShape) };

/** The axes a ReduceMean averages (attribute, or input from opset 18); undefined: all of them. */
function reducedAxes(config: Readonly<Record<string, unknown>>, rank: number): number[] | undefined {
  return configInts(config, 'axes')?.map((a) => normaliseAxis(a, rank));
}

const reduceMeanChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const axes = reducedAxes(ctx.config, ctx.inputShapes[0]?.length ?? 0);
  if (input === undefined || axes === undefined || axes.includes(ctx.channelAxes[0] ?? -1)) return ctx.opaque('it averages across channels');
  return [input];
};

const reduceMeanAxis = (ctx: AxisContext): number => {
  const c = ctx.inputAxes[0] ?? 1;
  if (configInt(ctx.config, 'keepdims', 1) === 1) return c;
  return c - (reducedAxes(ctx.config, ctx.inputShapes[0]?.length ?? 0) ?? []).filter((a) => a < c).length;
};

const POOLING = 'follows its input: each channel is pooled on its own';

function pool(className: string, macs: MacsFacet, global: boolean): OnnxOpClass {
  return { className, pruning: POOLING, inputs: ['X'], channels: poolChannels, weights: {}, macs, channelAxis: () => 1, tfjs: { convert: global ? importGlobalPool : importPool } };
}

export const ONNX_MAX_POOL = pool('MaxPool', WINDOW_MACS, false);
export const ONNX_AVERAGE_POOL = pool('AveragePool', WINDOW_MACS, false);
export const ONNX_GLOBAL_AVERAGE_POOL = pool('GlobalAveragePool', GLOBAL_MACS, true);

export const ONNX_REDUCE_MEAN: OnnxOpClass = {
  className: 'ReduceMean',
  pruning: 'follows its input when it averages positions (each channel on its own); averaging across channels mixes them',
  inputs: ['data', 'axes'],
  channels: reduceMeanChannels,
  weights: {},
  macs: GLOBAL_MACS,
  channelAxis: reduceMeanAxis,
  tfjs: { convert: importReduceMean },
};
