/**
 * Weight-free layers: padding, pooling, flattening, dropout and the merge layers.
 */
import { intAttr, intsAttr, type OnnxGraphBuilder } from './onnxGraph';
import { windowAttributes } from './exportConv';
import type { ExportValue, LayerCall, LayerConverter } from './exportTypes';
import { asNchw, configPair, isOnePixel, onnxAxis, requireChannelsLast, singleInput, unsupported } from './exportTypes';

function imageInput(g: OnnxGraphBuilder, call: LayerCall): ExportValue {
  requireChannelsLast(call);
  const x = asNchw(g, singleInput(call));
  if (x.layout !== 'nchw') throw unsupported(call, `expected a 4-D image input, got shape [${x.shape.join(', ')}]`);
  return x;
}

export const convertZeroPadding2D: LayerConverter = (g, call) => {
  const x = imageInput(g, call);
  const p = call.config['padding'];
  let pads: [number, number, number, number];
  if (typeof p === 'number') pads = [p, p, p, p];
  else if (Array.isArray(p) && p.length === 2 && p.every((q) => typeof q === 'number')) {
    // (height, width): the same amount on both sides of each axis.
    const [h, w] = p as [number, number];
    pads = [h, w, h, w];
  }
  else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2)) {
    const [[t, b], [l, r]] = p as [[number, number], [number, number]];
    pads = [t, l, b, r];
  } else throw unsupported(call, `padding ${JSON.stringify(p)}`);
  const [t, l, b, r] = pads;
  // ONNX Pad lists all begins then all ends, over N, C, H, W.
  const padsName = g.int64Const(`${call.layer.name}/pads`, [8], [0, 0, t, l, 0, 0, b, r]);
  const name = g.op('Pad', [x.name, padsName], call.layer.name);
  return { name, layout: 'nchw', shape: call.outputShape, zeroPadded: name };
};

function pool(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (g, call) => {
    const x = imageInput(g, call);
    const kernel = configPair(call, 'poolSize', [2, 2]);
    const strides = configPair(call, 'strides', kernel);
    const attrs = windowAttributes(call, x, kernel, strides);
    // TF averages over the real pixels only, never the padding.
    if (op === 'AveragePool') attrs.push(intAttr('count_include_pad', 0));
    let source = x.name;
    if (op === 'MaxPool' && x.zeroPadded === x.name) {
      // ONNX Runtime would fold the zero Pad into MaxPool's own padding, which pools as if it
      // were minus infinity: wrong where a window's real values are all negative. A Max with
      // minus infinity (the identity) between the two is a node it does not fuse across.
      source = g.op('Max', [x.name, g.floatConst(`${call.layer.name}/no_pad_fusion`, [], [-Infinity])], `${call.layer.name}/keep_zero_pad`);
    }
    return { name: g.op(op, [source], call.layer.name, attrs), layout: 'nchw', shape: call.outputShape };
  };
}
export const convertMaxPooling2D = pool('MaxPool');
export const convertAveragePooling2D = pool('AveragePool');

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (g, call) => {
    const x = imageInput(g, call);
    // Pooling one pixel is the identity; skipping it spares ONNX Runtime a layout change
    // into and out of its blocked format (measured: 3% of MobileNetV1 at 28x28).
    const pooled = isOnePixel(x.shape) ? x.name : g.op(op, [x.name], call.layer.name);
    // ONNX keeps [N, C, 1, 1]; TF.js gives [N, C].
    return { name: g.op('Flatten', [pooled], call.layer.name, [intAttr('axis', 1)]), layout: 'plain', shape: call.outputShape };
  };
}
export const convertGlobalAveragePooling2D = globalPool('GlobalAveragePool');
export const convertGlobalMaxPooling2D = globalPool('GlobalMaxPool');

export const convertFlatten: LayerConverter = (g, call) => {
  requireChannelsLast(call);
  const x = singleInput(call);
  if (x.shape.length === 2) return x;
  let source = x.name;
  // TF.js flattens in H, W, C order; an NCHW tensor must go back to NHWC first, or every
  // Dense row after it would be permuted. With H = W = 1 both orders coincide.
  if (x.layout === 'nchw' && !isOnePixel(x.shape)) {
    source = g.op('Transpose', [x.name], `${call.layer.name}/to_nhwc`, [intsAttr('perm', [0, 2, 3, 1])]);
  }
  return { name: g.op('Flatten', [source], call.layer.name, [intAttr('axis', 1)]), layout: 'plain', shape: call.outputShape };
};

/** Dropout is the identity at inference. */
export const convertIdentity: LayerConverter = (_g, call) => singleInput(call);

/** The inputs in one layout: NCHW unless all are NHWC (an elementwise op works in either). */
function oneLayout(g: OnnxGraphBuilder, inputs: readonly ExportValue[]): readonly ExportValue[] {
  return inputs.every((v) => v.layout === 'nhwc') ? inputs : inputs.map((v) => asNchw(g, v));
}

function sameShapes(g: OnnxGraphBuilder, call: LayerCall): readonly ExportValue[] {
  const inputs = oneLayout(g, call.inputs);
  const [first, ...rest] = inputs;
  if (!first || inputs.length < 2) throw unsupported(call, `expected at least two inputs, got ${inputs.length}`);
  for (const v of rest) {
    if (v.layout !== first.layout || v.shape.length !== first.shape.length || v.shape.some((d, i) => i > 0 && d !== first.shape[i])) {
      throw unsupported(call, `inputs of different shapes ([${first.shape.join(', ')}] and [${v.shape.join(', ')}]); broadcasting merges are not supported`);
    }
  }
  return inputs;
}

/** An elementwise merge as a left fold of a binary op (or one variadic op). */
function merge(op: string, variadic: boolean): LayerConverter {
  return (g, call) => {
    const inputs = sameShapes(g, call);
    const first = inputs[0] as ExportValue;
    if (variadic) return { ...first, name: g.op(op, inputs.map((v) => v.name), call.layer.name), shape: call.outputShape };
    let acc = first.name;
    for (const v of inputs.slice(1)) acc = g.op(op, [acc, v.name], call.layer.name);
    return { ...first, name: acc, shape: call.outputShape };
  };
}
// Binary Add rather than Sum: ORT fuses Conv + Add (+ Relu) for residual blocks.
export const convertAdd = merge('Add', false);
export const convertMultiply = merge('Mul', false);
export const convertAverage = merge('Mean', true);
export const convertMaximum = merge('Max', true);
export const convertMinimum = merge('Min', true);

export const convertConcatenate: LayerConverter = (g, call) => {
  const inputs = oneLayout(g, call.inputs);
  const [first] = inputs;
  if (!first || inputs.length < 2) throw unsupported(call, `expected at least two inputs, got ${inputs.length}`);
  if (inputs.some((v) => v.layout !== first.layout || v.shape.length !== first.shape.length)) {
    throw unsupported(call, 'inputs of different ranks');
  }
  const tfAxis = typeof call.config['axis'] === 'number' ? call.config['axis'] : -1;
  const axis = onnxAxis(call, first, tfAxis);
  if (axis === 0) throw unsupported(call, 'concatenation along the batch axis');
  return { ...first, name: g.op('Concat', inputs.map((v) => v.name), call.layer.name, [intAttr('axis', axis)]), shape: call.outputShape };
};
