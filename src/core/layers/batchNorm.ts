/**
 * BatchNormalization over the channel axis: follows its input's channels, and its four
 * per-channel weights are sliced with them. The exporter folds it into the conv before it
 * when it can (src/core/eval/onnxExport.ts), else emits the affine map.
 */
import { batchNormAffine, normalisesChannels } from '../eval/exportBatchNorm';
import type { LayerConverter } from '../eval/exportTypes';
import { onnxAxis, singleInput, unsupported } from '../eval/exportTypes';
import { PER_INPUT_ELEMENT } from './macs';
import { singleLayout } from './rules';
import type { ChannelRule, LayerClass } from './types';

const batchNormChannels: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = Number(ctx.config['axis'] ?? -1);
  if (input === undefined || (axis !== -1 && axis !== rank - 1)) return ctx.opaque('it normalises an axis other than the channels');
  for (const weight of ['gamma', 'beta', 'moving_mean', 'moving_variance']) ctx.couple(weight, 0, input, 'channel');
  return [input];
};

const convertBatchNormalization: LayerConverter = (g, call) => {
  const x = singleInput(call);
  if (!normalisesChannels(call.layer, x.shape.length)) {
    throw unsupported(call, `normalising axis ${JSON.stringify(call.config['axis'])} (only the channel axis, -1, is supported)`);
  }
  const { scale, shift } = batchNormAffine(call.layer);
  // Broadcast over the channel axis: [C, 1, 1] against NCHW, [C] against [N, C].
  const cAxis = onnxAxis(call, x, -1);
  const dims = [scale.length, ...new Array<number>(x.shape.length - 1 - cAxis).fill(1)];
  const s = g.floatConst(`${call.layer.name}/scale`, dims, Float32Array.from(scale));
  const b = g.floatConst(`${call.layer.name}/shift`, dims, Float32Array.from(shift));
  const mul = g.op('Mul', [x.name, s], call.layer.name);
  return { ...x, name: g.op('Add', [mul, b], call.layer.name) };
};

export const BATCH_NORMALIZATION: LayerClass = {
  className: 'BatchNormalization',
  pruning: 'follows its input: its scale, offset, mean and variance are sliced with the channels',
  channels: batchNormChannels,
  weights: {
    gamma: { suffix: '_scale' },
    beta: { suffix: '_offset' },
    moving_mean: { suffix: '_mean' },
    moving_variance: { suffix: '_variance' },
  },
  macs: PER_INPUT_ELEMENT,
  onnx: { convert: convertBatchNormalization, foldable: 'batchNorm' },
  normalizes: { scale: 'gamma' },
};
