/**
 * Activations by their TF.js identifier, as the `activation` config of a Conv2D,
 * DepthwiseConv2D or Dense fuses them and as the Activation and ReLU layers apply them
 * (their converters are in src/core/layers/activations.ts).
 */
import type { OnnxGraphBuilder } from './onnxGraph';
import type { OnnxAttribute } from './onnxProto';
import { floatAttr, intAttr } from './onnxGraph';
import type { ExportValue, LayerCall } from './exportTypes';
import { configString, onnxAxis, unsupported } from './exportTypes';

/** TF.js activation identifiers the exporter understands. */
export const SUPPORTED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'softmax', 'logSoftmax', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'mish', 'gelu', 'gelu_new'] as const;

export function clip(g: OnnxGraphBuilder, x: ExportValue, hint: string, min: number, max: number): ExportValue {
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
    case 'selu':
      // TF.js's SELU constants (those of Klambauer et al.).
      return unary('Selu', [floatAttr('alpha', 1.6732632423543772), floatAttr('gamma', 1.0507009873554805)]);
    case 'softsign':
      return unary('Softsign');
    case 'mish': {
      // x * tanh(softplus(x))
      const t = g.op('Tanh', [g.op('Softplus', [x.name], hint)], hint);
      return { ...x, name: g.op('Mul', [x.name, t], hint) };
    }
    case 'gelu': {
      // TF.js: 0.5 x (1 + erf(x / sqrt(2))).
      const c = (v: number, n: string): string => g.floatConst(`${hint}/${n}`, [], [v]);
      const erf = g.op('Erf', [g.op('Mul', [x.name, c(Math.SQRT1_2, 'inv_sqrt2')], hint)], hint);
      const half = g.op('Mul', [x.name, c(0.5, 'half')], hint);
      return { ...x, name: g.op('Mul', [half, g.op('Add', [erf, c(1, 'one')], hint)], hint) };
    }
    case 'gelu_new': {
      // TF.js: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
      const c = (v: number, n: string): string => g.floatConst(`${hint}/${n}`, [], [v]);
      const cube = g.op('Mul', [g.op('Mul', [x.name, x.name], hint), x.name], hint);
      const inner = g.op('Add', [x.name, g.op('Mul', [cube, c(0.044715, 'k')], hint)], hint);
      const t = g.op('Tanh', [g.op('Mul', [inner, c(Math.sqrt(2 / Math.PI), 'sqrt_2_pi')], hint)], hint);
      const half = g.op('Mul', [x.name, c(0.5, 'half')], hint);
      return { ...x, name: g.op('Mul', [half, g.op('Add', [t, c(1, 'one')], hint)], hint) };
    }
    case 'logSoftmax':
      return unary('LogSoftmax', [intAttr('axis', onnxAxis(call, x, -1))]);
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
