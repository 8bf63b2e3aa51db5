/**
 * Conv and ConvTranspose over NCHW. With one group a conv creates its own channels (its
 * filters) and drops the input channels pruned before it. With G groups, each group's
 * outputs read only that group's inputs, so what can go is a whole group: its input
 * channels are made one channel (the producer's filters go G at a time, a group's worth),
 * its outputs follow that channel, and pruning lowers `group`. A depthwise conv (one input
 * channel per group) is the case where each input channel is a group, as in TF.js.
 */
import { repeatEach, type Layout } from '../../pruning/channelUniverse';
import { dim, elementCount } from '../macs';
import type { ChannelRule, MacsCall, MacsTerm, RuleContext } from '../types';
import { channelsOn, configInt, onlyInput, sizeBetween } from './config';
import { importConv } from '../../onnx/import/convImport';
import type { OnnxOpClass, OnnxRewrite, OnnxRewriteContext } from './types';

/** Makes each group's input channels one channel; one element per group. */
function perGroup(ctx: RuleContext, input: Layout, groups: number): Layout {
  const per = input.length / groups;
  const first = new Int32Array(groups);
  for (let j = 0; j < groups; j++) {
    const head = input[j * per] as number;
    first[j] = head;
    if (per > 1) ctx.union(input.subarray(j * per + 1, (j + 1) * per), new Int32Array(per - 1).fill(head));
  }
  return first;
}

/** W is [C_out, C_in / G, kh, kw]. */
const convChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const w = ctx.weightShape('W');
  const groups = configInt(ctx.config, 'group', 1);
  if (input === undefined || w === undefined || !channelsOn(ctx, 0, 1)) return ctx.opaque('it needs an NCHW input and a constant weight');
  const [cout = 0, inPerGroup = 0] = w;
  if (inPerGroup * groups !== input.length || cout % groups !== 0) return ctx.opaque('its weight does not match its input');
  if (groups === 1) {
    ctx.couple('W', 1, input, 'in');
    const out = ctx.ownSpace(cout);
    ctx.couple('W', 0, out, 'out');
    ctx.couple('B', 0, out, 'out');
    return [out];
  }
  const out = repeatEach(perGroup(ctx, input, groups), cout / groups);
  ctx.couple('W', 0, out, 'channel');
  ctx.couple('B', 0, out, 'channel');
  return [out];
};

/** W is [C_in, C_out / G, kh, kw]. */
const convTransposeChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const w = ctx.weightShape('W');
  const groups = configInt(ctx.config, 'group', 1);
  if (input === undefined || w === undefined || !channelsOn(ctx, 0, 1)) return ctx.opaque('it needs an NCHW input and a constant weight');
  const [cin = 0, outPerGroup = 0] = w;
  if (cin !== input.length || cin % groups !== 0) return ctx.opaque('its weight does not match its input');
  if (groups === 1) {
    ctx.couple('W', 0, input, 'in');
    const out = ctx.ownSpace(outPerGroup);
    ctx.couple('W', 1, out, 'out');
    ctx.couple('B', 0, out, 'out');
    return [out];
  }
  const heads = perGroup(ctx, input, groups);
  ctx.couple('W', 0, input, 'channel');
  const out = repeatEach(heads, outPerGroup);
  ctx.couple('B', 0, out, 'channel');
  return [out];
};

/** PaddleSlim's conv count: H_out * W_out * C_out * (kh * kw * C_in / G), plus the bias per output. */
function convMacs(call: MacsCall): MacsTerm[] {
  const w = call.weights.get('W');
  const out = call.outputShape;
  const positions = sizeBetween(out, 2, out.length);
  const channels = dim(out, 1);
  const terms: MacsTerm[] = [{ macs: positions * channels * elementCount(w?.slice(1)), params: elementCount(w), scaledBy: [{ weight: 'W', axis: 1 }, { weight: 'W', axis: 0 }] }];
  const bias = call.weights.get('B');
  if (bias !== undefined) terms.push({ macs: positions * channels, params: elementCount(bias), scaledBy: [{ weight: 'W', axis: 0 }] });
  return terms;
}

/** Each input value is scattered to kh * kw * C_out / G outputs; the bias is added once per output. */
function convTransposeMacs(call: MacsCall): MacsTerm[] {
  const w = call.weights.get('W');
  const input = call.inputShape;
  const out = call.outputShape;
  const grouped = configInt(call.config, 'group', 1) > 1;
  const terms: MacsTerm[] = [{ macs: sizeBetween(input, 1, input.length) * elementCount(w?.slice(1)), params: elementCount(w), scaledBy: [{ weight: 'W', axis: 0 }, { weight: 'W', axis: 1 }] }];
  const bias = call.weights.get('B');
  if (bias !== undefined) terms.push({ macs: sizeBetween(out, 1, out.length), params: elementCount(bias), scaledBy: [{ weight: 'W', axis: grouped ? 0 : 1 }] });
  return terms;
}

/** A grouped conv keeps its per-group width; the groups left are the new `group`. */
function regroup(axis: number): (ctx: OnnxRewriteContext) => OnnxRewrite | undefined {
  return (ctx) => {
    const groups = configInt(ctx.config, 'group', 1);
    const before = ctx.before[1]?.[axis];
    const after = ctx.after[1]?.[axis];
    if (groups === 1 || typeof before !== 'number' || typeof after !== 'number' || before === after) return undefined;
    return { ints: { group: (after * groups) / before } };
  };
}

const NCHW = (): number => 1;

export const ONNX_CONV: OnnxOpClass = {
  className: 'Conv',
  pruning: 'creates channels: its filters are pruned (W axis 0) and it drops the input channels pruned before it; grouped and depthwise, whole groups go with the channels they read',
  inputs: ['X', 'W', 'B'],
  channels: convChannels,
  weights: {
    W: { input: 1, analysable: true, outChannels: (s) => s[0], stateDict: 'weight' },
    B: { input: 2, stateDict: 'bias' },
  },
  macs: { counted: convMacs, elementwise: () => 0 },
  channelAxis: NCHW,
  rewrite: regroup(0),
  tfjs: { convert: importConv },
};

export const ONNX_CONV_TRANSPOSE: OnnxOpClass = {
  className: 'ConvTranspose',
  pruning: 'creates channels: its filters are pruned (W axis 1) and it drops the input channels pruned before it (W axis 0); grouped, whole groups go',
  inputs: ['X', 'W', 'B'],
  channels: convTransposeChannels,
  weights: {
    W: { input: 1, analysable: true, outChannels: (s) => s[1], stateDict: 'weight' },
    B: { input: 2, stateDict: 'bias' },
  },
  macs: { counted: convTransposeMacs, elementwise: () => 0 },
  channelAxis: NCHW,
  rewrite: regroup(0),
  tfjs: { unsupported: 'TF.js Conv2DTranspose does not crop its output by the padding as ONNX does; such a model is scanned and pruned, not fine-tuned, in PruneLens' },
};
