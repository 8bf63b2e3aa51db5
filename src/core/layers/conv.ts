/**
 * Conv2D and DepthwiseConv2D: the layers whose output channels a sensitivity scan prunes.
 * A Conv2D creates its own channels (its filters); a depthwise conv's output channel
 * c * m + j reads input channel c only, so it follows its input's channels.
 */
import { emitConv } from '../eval/exportConv';
import type { LayerConverter } from '../eval/exportTypes';
import { layerWeights, requireChannelsLast, requireImage, requireWeight, unsupported } from '../eval/exportTypes';
import { repeatEach } from '../pruning/channelUniverse';
import { dim, elementCount, fusedActivationMacs, spatialAndChannels } from './macs';
import { blockMixingActivation, createsChannels, singleLayout } from './rules';
import type { ChannelRule, LayerClass, MacsCall, MacsTerm } from './types';

const depthwiseChannels: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  const shape = ctx.weightShape('depthwise_kernel');
  if (input === undefined || shape === undefined || shape[2] !== input.length) return ctx.opaque('its kernel does not match its input');
  ctx.couple('depthwise_kernel', 2, input, 'channel');
  const out = repeatEach(input, shape[3] ?? 1);
  ctx.couple('bias', 0, out, 'channel');
  blockMixingActivation(ctx, out);
  return [out];
};

/** H_out * W_out * C_out * (kh * kw * C_in / groups + bias), the kernel and bias terms apart. */
function conv2dMacs(call: MacsCall): MacsTerm[] {
  const k = call.weights.get('kernel');
  const { positions, channels } = spatialAndChannels(call);
  const kernelMacs = positions * channels * dim(k, 0) * dim(k, 1) * dim(k, 2);
  const terms: MacsTerm[] = [{ macs: kernelMacs, params: elementCount(k), scaledBy: [{ weight: 'kernel', axis: 2 }, { weight: 'kernel', axis: 3 }] }];
  const bias = call.weights.get('bias');
  if (bias !== undefined) terms.push({ macs: positions * channels, params: elementCount(bias), scaledBy: [{ weight: 'kernel', axis: 3 }] });
  return terms;
}

/** A depthwise output channel sees one input channel: kh * kw (+ bias) per output value, scaled once by its group. */
function depthwiseMacs(call: MacsCall): MacsTerm[] {
  const k = call.weights.get('depthwise_kernel');
  const bias = call.weights.get('bias');
  const { positions, channels } = spatialAndChannels(call);
  const macs = positions * channels * (dim(k, 0) * dim(k, 1) + (bias === undefined ? 0 : 1));
  return [{ macs, params: elementCount(k) + elementCount(bias), scaledBy: [{ weight: 'depthwise_kernel', axis: 2 }] }];
}

const convertConv2D: LayerConverter = (g, call) => {
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
  return emitConv(g, call, { input: x, weights: w, dims: [cout, cin, kh, kw], bias: weights.get('bias')?.data, group: 1 });
};

const convertDepthwiseConv2D: LayerConverter = (g, call) => {
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
  return emitConv(g, call, { input: x, weights: w, dims: [c * m, 1, kh, kw], bias: weights.get('bias')?.data, group: c });
};

export const CONV2D: LayerClass = {
  className: 'Conv2D',
  pruning: 'creates channels: its filters are pruned (output axis), and it drops the input channels pruned before it',
  channels: createsChannels(2, 3),
  weights: {
    kernel: { suffix: '_weights', analysable: true, outChannels: (s) => s[3] },
    bias: { suffix: '_offset' },
  },
  width: 'filters',
  macs: { counted: conv2dMacs, elementwise: fusedActivationMacs },
  onnx: { convert: convertConv2D, absorbs: true },
};

export const DEPTHWISE_CONV2D: LayerClass = {
  className: 'DepthwiseConv2D',
  pruning: 'follows its input: channel c of the input and its outputs c * m ... c * m + m - 1 go together',
  channels: depthwiseChannels,
  weights: {
    depthwise_kernel: { suffix: '_weights', analysable: true, outChannels: (s) => (s[2] === undefined || s[3] === undefined ? undefined : s[2] * s[3]) },
    bias: { suffix: '_offset' },
  },
  macs: { counted: depthwiseMacs, elementwise: fusedActivationMacs },
  onnx: { convert: convertDepthwiseConv2D, absorbs: true },
};
