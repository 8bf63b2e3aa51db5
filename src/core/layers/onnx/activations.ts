/**
 * ONNX activations and BatchNormalization: functions of each channel on its own, so the
 * channels pass through (Softmax over the channel axis mixes them). BatchNormalization's
 * four per-channel weights are sliced with the channels.
 */
import { importActivation, importBatchNorm, importSoftmax } from '../../onnx/import/activationImport';
import { NO_MACS, PER_INPUT_ELEMENT } from '../macs';
import { passThrough } from '../rules';
import type { ChannelRule } from '../types';
import { channelsOn, configInt, normaliseAxis, onlyInput } from './config';
import type { OnnxOpClass } from './types';

const ELEMENTWISE = 'follows its input: an elementwise function of each channel';

function activation(className: string, inputs: readonly string[], counted: boolean): OnnxOpClass {
  return {
    className,
    pruning: ELEMENTWISE,
    inputs,
    channels: passThrough,
    weights: {},
    // PaddleSlim's all-layers count has one operation per element for relu, relu6 and sigmoid.
    macs: counted ? PER_INPUT_ELEMENT : NO_MACS,
    tfjs: { convert: importActivation },
  };
}

export const ONNX_RELU = activation('Relu', ['X'], true);
export const ONNX_CLIP = activation('Clip', ['input', 'min', 'max'], true);
export const ONNX_LEAKY_RELU = activation('LeakyRelu', ['X'], false);
export const ONNX_SIGMOID = activation('Sigmoid', ['X'], true);
export const ONNX_HARD_SIGMOID = activation('HardSigmoid', ['X'], false);
export const ONNX_HARD_SWISH = activation('HardSwish', ['X'], false);

/** Softmax mixes the values along its axis: the channels when that is the channel axis. */
const softmaxChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = normaliseAxis(configInt(ctx.config, 'axis', -1), rank);
  // Before opset 13 Softmax flattens from its axis on, so an axis before the channels mixes them too.
  if (input === undefined || axis <= (ctx.channelAxes[0] ?? 0)) return ctx.opaque('it applies softmax across channels');
  return [input];
};

export const ONNX_SOFTMAX: OnnxOpClass = {
  className: 'Softmax',
  pruning: 'mixes channels when taken over the channel axis (a classifier head): the pruner cannot see through it; over another axis it follows its input',
  inputs: ['input'],
  channels: softmaxChannels,
  weights: {},
  macs: NO_MACS,
  probabilities: true,
  tfjs: { convert: importSoftmax },
};

const batchNormChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  if (input === undefined || !channelsOn(ctx, 0, 1)) return ctx.opaque('it normalises axis 1, which does not hold the channels here');
  for (const weight of ['scale', 'B', 'input_mean', 'input_var']) ctx.couple(weight, 0, input, 'channel');
  return [input];
};

export const ONNX_BATCH_NORMALIZATION: OnnxOpClass = {
  className: 'BatchNormalization',
  pruning: 'follows its input: its scale, bias, mean and variance are sliced with the channels',
  inputs: ['X', 'scale', 'B', 'input_mean', 'input_var'],
  channels: batchNormChannels,
  weights: {
    scale: { input: 1, stateDict: 'weight' },
    B: { input: 2, stateDict: 'bias' },
    input_mean: { input: 3, stateDict: 'running_mean' },
    input_var: { input: 4, stateDict: 'running_var' },
  },
  macs: PER_INPUT_ELEMENT,
  normalizes: { scale: 'scale' },
  channelAxis: () => 1,
  tfjs: { convert: importBatchNorm },
};
