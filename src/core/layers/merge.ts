/**
 * Layers that join several inputs. Elementwise merges make channel i of every input one
 * channel (pruned together); Concatenate on the channel axis lays its inputs' channels side
 * by side, each keeping its own group.
 */
import type { ExportValue, LayerCall, LayerConverter } from '../eval/exportTypes';
import { asNchw, onnxAxis, unsupported } from '../eval/exportTypes';
import { intAttr, type OnnxGraphBuilder } from '../eval/onnxGraph';
import { concatLayouts } from '../pruning/channelUniverse';
import { NO_MACS } from './macs';
import { mergeInputs } from './rules';
import type { ChannelRule, LayerClass } from './types';

const concatenateChannels: ChannelRule = (ctx) => {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = Number(ctx.config['axis'] ?? -1);
  if (axis === -1 || axis === rank - 1) return [concatLayouts(ctx.inputs)];
  // Joined along a spatial axis, channel i of every input lands in the same channel.
  return mergeInputs(ctx);
};

/** The inputs in one layout: NCHW unless all are NHWC (an elementwise op works in either). */
function oneLayout(g: OnnxGraphBuilder, inputs: readonly ExportValue[]): readonly ExportValue[] {
  return inputs.every((v) => v.layout === 'nhwc') ? inputs : inputs.map((v) => asNchw(g, v));
}

/**
 * The inputs in one layout, each of the output's shape or broadcasting to it along axes
 * where it has size 1 (a squeeze-and-excite gate [N, 1, 1, C] times a map [N, H, W, C]).
 * ONNX broadcasts the same way once both are NCHW.
 */
function broadcastable(g: OnnxGraphBuilder, call: LayerCall): readonly ExportValue[] {
  const inputs = oneLayout(g, call.inputs);
  const [first] = inputs;
  if (!first || inputs.length < 2) throw unsupported(call, `expected at least two inputs, got ${inputs.length}`);
  const out = call.outputShape;
  for (const v of inputs) {
    if (v.layout !== first.layout || v.shape.length !== out.length || v.shape.some((d, i) => i > 0 && d !== out[i] && d !== 1)) {
      throw unsupported(call, `inputs of shapes ([${first.shape.join(', ')}] and [${v.shape.join(', ')}]) that do not broadcast per channel`);
    }
  }
  return inputs;
}

/** An elementwise merge as a left fold of a binary op (or one variadic op). */
function merge(op: string, variadic: boolean): LayerConverter {
  return (g, call) => {
    const inputs = broadcastable(g, call);
    const first = inputs[0] as ExportValue;
    if (variadic) return { ...first, name: g.op(op, inputs.map((v) => v.name), call.layer.name), shape: call.outputShape };
    let acc = first.name;
    for (const v of inputs.slice(1)) acc = g.op(op, [acc, v.name], call.layer.name);
    return { ...first, name: acc, shape: call.outputShape };
  };
}

const convertConcatenate: LayerConverter = (g, call) => {
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

const MERGES = 'couples its inputs: channel i of every input is pruned together';

function mergeClass(className: string, convert: LayerConverter): LayerClass {
  return { className, pruning: MERGES, channels: mergeInputs, weights: {}, macs: NO_MACS, onnx: { convert } };
}

// Binary Add rather than Sum: ONNX Runtime fuses Conv + Add (+ Relu) for residual blocks.
export const ADD = mergeClass('Add', merge('Add', false));
export const MULTIPLY = mergeClass('Multiply', merge('Mul', false));
export const AVERAGE = mergeClass('Average', merge('Mean', true));
export const MAXIMUM = mergeClass('Maximum', merge('Max', true));
export const MINIMUM = mergeClass('Minimum', merge('Min', true));

export const CONCATENATE: LayerClass = {
  className: 'Concatenate',
  pruning: "concatenates: on the channel axis each input's channels keep their own group, side by side",
  channels: concatenateChannels,
  weights: {},
  macs: NO_MACS,
  onnx: { convert: convertConcatenate },
};
