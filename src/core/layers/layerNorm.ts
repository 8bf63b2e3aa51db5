/**
 * LayerNormalization over the channels (ConvNeXt blocks, transformer-style heads). Its scale
 * and offset follow the channels, so it can be pruned through; but its mean and variance
 * are taken over the channels, so zeroing a channel (a mask) is not removing it: a group
 * reaching it is measured on the physically pruned model (docs/models.md).
 */
import type { LayerConverter } from '../eval/exportTypes';
import { configNumber, layerWeights, onnxAxis, singleInput, unsupported } from '../eval/exportTypes';
import { intsAttr } from '../eval/onnxGraph';
import { PER_INPUT_ELEMENT } from './macs';
import { layerLabel, singleLayout } from './rules';
import type { ChannelRule, LayerClass, RuleContext } from './types';

/** Whether the layer normalises the last axis only (TF.js writes `axis: [rank - 1]` or -1). */
function overChannels(ctx: Pick<RuleContext, 'config' | 'inputShapes'>): boolean {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = ctx.config['axis'];
  const axes = Array.isArray(axis) ? axis : [axis ?? -1];
  return axes.length === 1 && (axes[0] === -1 || axes[0] === rank - 1);
}

const layerNormChannels: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  if (input === undefined || !overChannels(ctx)) return ctx.opaque('it normalises over axes other than the channels');
  ctx.couple('gamma', 0, input, 'channel');
  ctx.couple('beta', 0, input, 'channel');
  ctx.unmaskable(input, `${layerLabel(ctx)} normalises over the channels, so a pruned channel changes the others' mean and variance`);
  return [input];
};

/** (x - mean) / sqrt(var + eps) * gamma + beta over the channel axis, in opset-13 nodes. */
const convertLayerNormalization: LayerConverter = (g, call) => {
  const x = singleInput(call);
  if (!overChannels({ config: call.config, inputShapes: [x.shape] })) throw unsupported(call, 'normalising over axes other than the channels');
  const name = call.layer.name;
  const axis = onnxAxis(call, x, -1);
  const reduce = (v: string, hint: string): string => g.op('ReduceMean', [v], `${name}/${hint}`, [intsAttr('axes', [axis])]);
  const centred = g.op('Sub', [x.name, reduce(x.name, 'mean')], `${name}/centred`);
  const variance = reduce(g.op('Mul', [centred, centred], `${name}/squared`), 'variance');
  const eps = configNumber(call, 'epsilon') ?? 1e-3;
  const std = g.op('Sqrt', [g.op('Add', [variance, g.floatConst(`${name}/epsilon`, [], [eps])], `${name}/plus_eps`)], `${name}/std`);
  let y = g.op('Div', [centred, std], `${name}/normalised`);
  const weights = layerWeights(call.layer);
  const dims = (n: number): number[] => [n, ...new Array<number>(x.shape.length - 1 - axis).fill(1)];
  const gamma = weights.get('gamma');
  if (gamma) y = g.op('Mul', [y, g.floatConst(`${name}/gamma`, dims(gamma.data.length), gamma.data)], `${name}/scaled`);
  const beta = weights.get('beta');
  if (beta) y = g.op('Add', [y, g.floatConst(`${name}/beta`, dims(beta.data.length), beta.data)], name);
  return { ...x, name: y, shape: call.outputShape };
};

export const LAYER_NORMALIZATION: LayerClass = {
  className: 'LayerNormalization',
  pruning: 'follows its input (scale and offset sliced with the channels); it normalises over the channels, so groups reaching it are measured on the pruned model, not a mask',
  channels: layerNormChannels,
  weights: { gamma: { suffix: '_scale' }, beta: { suffix: '_offset' } },
  macs: PER_INPUT_ELEMENT,
  onnx: { convert: convertLayerNormalization },
};
