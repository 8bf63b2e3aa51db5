/**
 * SeparableConv2D: a depthwise conv (each input channel c gives outputs c * m ... c * m + m
 * - 1) followed by a 1x1 conv. Its depthwise part follows its input's channels; its
 * pointwise filters create the layer's own channels, which a scan prunes.
 */
import { emitConv } from '../eval/exportConv';
import type { LayerConverter } from '../eval/exportTypes';
import { layerWeights, requireChannelsLast, requireImage, requireWeight } from '../eval/exportTypes';
import { repeatEach } from '../pruning/channelUniverse';
import { dim, elementCount, fusedActivationMacs, spatialAndChannels } from './macs';
import { blockMixingActivation, singleLayout } from './rules';
import type { ChannelRule, LayerClass, MacsCall, MacsTerm } from './types';

const separableChannels: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  const depthwise = ctx.weightShape('depthwise_kernel');
  const pointwise = ctx.weightShape('pointwise_kernel');
  if (input === undefined || depthwise === undefined || pointwise === undefined || depthwise[2] !== input.length) return ctx.opaque('its kernels do not match its input');
  ctx.couple('depthwise_kernel', 2, input, 'channel');
  const middle = repeatEach(input, depthwise[3] ?? 1);
  ctx.couple('pointwise_kernel', 2, middle, 'in');
  const out = ctx.ownSpace(pointwise[3] ?? 0);
  ctx.couple('pointwise_kernel', 3, out, 'out');
  ctx.couple('bias', 0, out, 'out');
  blockMixingActivation(ctx, out);
  return [out];
};

/**
 * The depthwise part runs on the output grid (its stride) with kh * kw per value; the
 * pointwise part is C_in * m per output value, plus the bias.
 */
function separableMacs(call: MacsCall): MacsTerm[] {
  const dw = call.weights.get('depthwise_kernel');
  const pw = call.weights.get('pointwise_kernel');
  const { positions, channels } = spatialAndChannels(call);
  const middle = dim(dw, 2) * dim(dw, 3);
  const terms: MacsTerm[] = [
    { macs: positions * middle * dim(dw, 0) * dim(dw, 1), params: elementCount(dw), scaledBy: [{ weight: 'depthwise_kernel', axis: 2 }] },
    { macs: positions * channels * middle, params: elementCount(pw), scaledBy: [{ weight: 'pointwise_kernel', axis: 2 }, { weight: 'pointwise_kernel', axis: 3 }] },
  ];
  const bias = call.weights.get('bias');
  if (bias !== undefined) terms.push({ macs: positions * channels, params: elementCount(bias), scaledBy: [{ weight: 'pointwise_kernel', axis: 3 }] });
  return terms;
}

/** A depthwise Conv (group = C_in) into a 1x1 Conv, the folds and activation on the second. */
const convertSeparableConv2D: LayerConverter = (g, call) => {
  requireChannelsLast(call);
  const x = requireImage(call);
  const weights = layerWeights(call.layer);
  const dk = requireWeight(call, weights, 'depthwise_kernel');
  const pk = requireWeight(call, weights, 'pointwise_kernel');
  const [kh, kw, c, m] = dk.shape as [number, number, number, number];
  const cout = pk.shape[3] as number;
  const dwFilters = new Float32Array(dk.data.length);
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let ci = 0; ci < c; ci++) for (let mi = 0; mi < m; mi++) dwFilters[((ci * m + mi) * kh + y) * kw + xx] = dk.data[((y * kw + xx) * c + ci) * m + mi] as number;
  const [, oh, ow] = call.outputShape;
  const depthwiseCall = {
    ...call,
    config: { ...call.config, activation: 'linear' },
    outputShape: [null, oh ?? null, ow ?? null, c * m],
    foldedBatchNorm: undefined,
    foldedActivation: undefined,
  };
  const middle = emitConv(g, depthwiseCall, { input: x, weights: dwFilters, dims: [c * m, 1, kh, kw], bias: undefined, group: c, name: `${call.layer.name}/depthwise` });
  // The pointwise kernel [1, 1, C*m, out] is OIHW [out, C*m, 1, 1] once transposed.
  const pwFilters = new Float32Array(pk.data.length);
  for (let i = 0; i < c * m; i++) for (let o = 0; o < cout; o++) pwFilters[o * c * m + i] = pk.data[i * cout + o] as number;
  const pointwiseCall = { ...call, config: { ...call.config, kernelSize: [1, 1], strides: [1, 1], dilationRate: [1, 1], padding: 'valid' } };
  return emitConv(g, pointwiseCall, { input: middle, weights: pwFilters, dims: [cout, c * m, 1, 1], bias: weights.get('bias')?.data, group: 1 });
};

export const SEPARABLE_CONV2D: LayerClass = {
  className: 'SeparableConv2D',
  pruning: 'creates channels: its pointwise filters are pruned; its depthwise part follows its input, pruned with the channels before it',
  channels: separableChannels,
  weights: {
    pointwise_kernel: { suffix: '_weights', analysable: true, outChannels: (s) => s[3] },
    depthwise_kernel: { suffix: '_dw_weights', outChannels: (s) => (s[2] === undefined || s[3] === undefined ? undefined : s[2] * s[3]) },
    bias: { suffix: '_offset' },
  },
  width: 'filters',
  // TF.js 4.22's SeparableConv2D.getConfig drops depthMultiplier; its kernel's last axis is it.
  configFromWeights: (weights) => ({ depthMultiplier: weights.get('depthwise_kernel')?.[3] ?? 1 }),
  macs: { counted: separableMacs, elementwise: fusedActivationMacs },
  onnx: { convert: convertSeparableConv2D, absorbs: true },
};
