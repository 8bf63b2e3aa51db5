/**
 * Activations, both as standalone layers (Activation, ReLU, LeakyReLU, Softmax) and fused
 * into Conv2D/DepthwiseConv2D/Dense through their `activation` config.
 */
import type { OnnxGraphBuilder } from './onnxGraph';
import type { OnnxAttribute } from './onnxProto';
import { floatAttr, intAttr } from './onnxGraph';
import type { ActivationCall, ExportValue, LayerCall, LayerConverter } from './exportTypes';
import { configNumber, configString, onnxAxis, singleInput, unsupported } from './exportTypes';

/** TF.js activation identifiers the exporter understands. */
export const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'softmax', 'sigmoid', 'tanh', 'elu', 'softplus', 'hardSigmoid', 'swish'] as const;

function clip(g: OnnxGraphBuilder, x: ExportValue, hint: string, min: number, max: number): ExportValue {
  // Opset 11+ takes the bounds as scalar inputs, not attributes.
  const lo = g.floatConst(`${hint}/clip_min`, [], [min]);
  const hi = g.floatConst(`${hint}/clip_max`, [], [max]);
  return { ...x, name: g.op('Clip', [x.name, lo, hi], hint) };
}

/** Applies a TF.js activation by name to `x`; 'linear' adds nothing. */
export function applyActivation(g: OnnxGraphBuilder, call: LayerCall, x: ExportValue, activation: string): ExportValue {
  const hint = `${call.layer.name}/${activation}`;
  const unary = (op: string, attrs: readonly OnnxAttribute[] = []): ExportValue => ({ ...x, name: g.op(op, [x.name], hint, attrs) });
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return clip(g, x, hint, 0, 6);
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'elu':
      return unary('Elu', [floatAttr('alpha', 1)]);
    case 'softplus':
      return unary('Softplus');
    case 'hardSigmoid':
      // TF.js: clip(0.2 x + 0.5, 0, 1), which is ONNX HardSigmoid's default alpha and beta.
      return unary('HardSigmoid', [floatAttr('alpha', 0.2), floatAttr('beta', 0.5)]);
    case 'swish': {
      const s = g.op('Sigmoid', [x.name], hint);
      return { ...x, name: g.op('Mul', [x.name, s], hint) };
    }
    case 'softmax':
      // TF.js normalises over the last (channel) axis, which is axis 1 for NCHW values.
      return unary('Softmax', [intAttr('axis', onnxAxis(call, x, -1))]);
    default:
      throw unsupported(call, `activation "${activation}" is not supported (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`);
  }
}

/** The `activation` config of a layer with a fused activation. */
export function fusedActivation(call: LayerCall): string {
  return configString(call, 'activation', 'linear');
}

/** Activation layer classes a conv may absorb (onnxExport.ts plans the folds). */
export const FOLDABLE_ACTIVATION_CLASSES: readonly string[] = ['ReLU', 'Activation'];

/** The activation layer `act` applied to `x`, as its own converter would apply it. */
export function applyLayerActivation(g: OnnxGraphBuilder, act: ActivationCall, x: ExportValue): ExportValue {
  const call: LayerCall = { ...act, inputs: [x] };
  if (act.className === 'ReLU') return convertReLU(g, call);
  if (act.className === 'Activation') return convertActivation(g, call);
  throw unsupported(call, 'cannot be folded into the layer before it');
}

export const convertActivation: LayerConverter = (g, call) =>
  applyActivation(g, call, singleInput(call), configString(call, 'activation', 'linear'));

export const convertReLU: LayerConverter = (g, call) => {
  const x = singleInput(call);
  const max = configNumber(call, 'maxValue');
  if (max === undefined) return applyActivation(g, call, x, 'relu');
  return clip(g, x, `${call.layer.name}/relu_max`, 0, max);
};

export const convertLeakyReLU: LayerConverter = (g, call) => {
  const x = singleInput(call);
  const alpha = configNumber(call, 'alpha') ?? 0.3;
  return { ...x, name: g.op('LeakyRelu', [x.name], call.layer.name, [floatAttr('alpha', alpha)]) };
};

export const convertSoftmax: LayerConverter = (g, call) => {
  const x = singleInput(call);
  const axis = call.config['axis'] ?? -1;
  if (typeof axis !== 'number') throw unsupported(call, `softmax over several axes (${JSON.stringify(axis)})`);
  return { ...x, name: g.op('Softmax', [x.name], call.layer.name, [intAttr('axis', onnxAxis(call, x, axis))]) };
};
