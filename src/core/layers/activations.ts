/**
 * Activation layers. Elementwise ones pass channels through; softmax mixes them (pruning a
 * channel changes every other one's value), so the pruner cannot see through it.
 */
import { applyActivation, clip } from '../eval/exportActivations';
import type { LayerConverter } from '../eval/exportTypes';
import { configNumber, configString, onnxAxis, singleInput, unsupported } from '../eval/exportTypes';
import { floatAttr, intAttr } from '../eval/onnxGraph';
import { countsActivation, NO_MACS, numelPerImage, PER_INPUT_ELEMENT } from './macs';
import { mixesChannels, opaqueRule, passThrough } from './rules';
import type { ChannelRule, LayerClass } from './types';

const activationChannels: ChannelRule = (ctx) => {
  const name = String(ctx.config['activation'] ?? 'linear');
  if (mixesChannels(name)) return ctx.opaque(`it applies ${name} across channels`);
  return passThrough(ctx);
};

const convertActivation: LayerConverter = (g, call) => applyActivation(g, call, singleInput(call), configString(call, 'activation', 'linear'));

const convertReLU: LayerConverter = (g, call) => {
  const x = singleInput(call);
  const max = configNumber(call, 'maxValue');
  if (max === undefined) return applyActivation(g, call, x, 'relu');
  return clip(g, x, `${call.layer.name}/relu_max`, 0, max);
};

function unaryWithAlpha(op: 'LeakyRelu' | 'Elu' | 'ThresholdedRelu', configKey: string, fallback: number): LayerConverter {
  return (g, call) => {
    const x = singleInput(call);
    const alpha = configNumber(call, configKey) ?? fallback;
    return { ...x, name: g.op(op, [x.name], call.layer.name, [floatAttr('alpha', alpha)]) };
  };
}

const convertSoftmax: LayerConverter = (g, call) => {
  const x = singleInput(call);
  const axis = call.config['axis'] ?? -1;
  if (typeof axis !== 'number') throw unsupported(call, `softmax over several axes (${JSON.stringify(axis)})`);
  return { ...x, name: g.op('Softmax', [x.name], call.layer.name, [intAttr('axis', onnxAxis(call, x, axis))]) };
};

const ELEMENTWISE = 'follows its input: an elementwise function of each channel';

export const ACTIVATION: LayerClass = {
  className: 'Activation',
  pruning: `${ELEMENTWISE} (softmax mixes channels: the pruner cannot see through it)`,
  channels: activationChannels,
  weights: {},
  macs: { counted: () => [], elementwise: (call) => (countsActivation(call.config['activation']) ? numelPerImage(call.inputShape) : 0) },
  onnx: { convert: convertActivation, foldable: 'activation' },
};

export const RELU: LayerClass = {
  className: 'ReLU',
  pruning: ELEMENTWISE,
  channels: passThrough,
  weights: {},
  macs: PER_INPUT_ELEMENT,
  onnx: { convert: convertReLU, foldable: 'activation' },
};

/** An elementwise activation layer that costs no counted MACs. */
function elementwise(className: string, convert: LayerConverter): LayerClass {
  return { className, pruning: ELEMENTWISE, channels: passThrough, weights: {}, macs: NO_MACS, onnx: { convert } };
}

export const LEAKY_RELU = elementwise('LeakyReLU', unaryWithAlpha('LeakyRelu', 'alpha', 0.3));
export const ELU = elementwise('ELU', unaryWithAlpha('Elu', 'alpha', 1));
export const THRESHOLDED_RELU = elementwise('ThresholdedReLU', unaryWithAlpha('ThresholdedRelu', 'theta', 1));

export const SOFTMAX: LayerClass = {
  className: 'Softmax',
  pruning: 'mixes channels (each output depends on every input channel): the pruner cannot see through it',
  channels: opaqueRule('it applies softmax across channels'),
  weights: {},
  macs: NO_MACS,
  onnx: { convert: convertSoftmax },
  probabilities: true,
};
