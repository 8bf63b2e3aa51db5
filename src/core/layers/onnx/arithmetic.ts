/**
 * Add, Sub, Mul and Div with numpy broadcasting. Two tensors whose channels meet on one
 * axis are coupled channel by channel (a residual Add, a squeeze-and-excitation gate
 * [N, C, 1, 1] times [N, C, H, W]); a tensor with one channel broadcast over the other's
 * adds nothing to couple. A constant operand with one value per channel ([C, 1, 1]) is a
 * weight sliced with the channels; a scalar or a per-position constant is left alone.
 */
import { importArithmetic } from '../../onnx/import/arithmeticImport';
import { NO_MACS } from '../macs';
import type { ChannelRule, RuleContext } from '../types';
import type { AxisContext, OnnxOpClass } from './types';

/** The output axis of an input's channel axis under broadcasting (ranks aligned on the right). */
function outputAxis(ctx: RuleContext, i: number): number {
  const rank = ctx.inputShapes[i]?.length ?? 0;
  const outRank = ctx.outputShapes[0]?.length ?? rank;
  return (ctx.channelAxes[i] ?? 0) + outRank - rank;
}

/** Couples a constant operand's axis that lies on the channels, when it has one value per channel. */
function coupleConstant(ctx: RuleContext, weight: 'A' | 'B', axisOut: number, channels: number, layout: Int32Array): boolean {
  const shape = ctx.weightShape(weight);
  if (shape === undefined) return true;
  const outRank = ctx.outputShapes[0]?.length ?? shape.length;
  const axis = axisOut - (outRank - shape.length);
  const size = axis >= 0 ? shape[axis] : 1;
  if (size === 1 || size === undefined) return true;
  if (size !== channels) return false;
  ctx.couple(weight, axis, layout, 'channel');
  return true;
}

const arithmeticChannels: ChannelRule = (ctx) => {
  const [a, b] = ctx.inputs;
  if (a === undefined) return ctx.opaque('it has no tensor input');
  if (b === undefined) {
    const axis = outputAxis(ctx, 0);
    if (!coupleConstant(ctx, 'A', axis, a.length, a) || !coupleConstant(ctx, 'B', axis, a.length, a)) {
      return ctx.opaque('its constant operand does not match the channels');
    }
    return [a];
  }
  if (outputAxis(ctx, 0) === outputAxis(ctx, 1) && a.length === b.length) {
    ctx.union(a, b);
    return [a];
  }
  // One channel broadcast over many: the output carries the wider operand's channels.
  if (b.length === 1 && a.length > 1) return [a];
  if (a.length === 1 && b.length > 1) return [b];
  return ctx.opaque('its operands have their channels on different axes');
};

/** The channel axis of the output: the first tensor input's, moved by broadcasting to the output's rank. */
const broadcastAxis = (ctx: AxisContext): number => {
  const wide = ctx.inputShapes.length > 1 && (ctx.inputShapes[1]?.length ?? 0) > (ctx.inputShapes[0]?.length ?? 0) ? 1 : 0;
  return (ctx.inputAxes[wide] ?? 0) + ctx.outputShape.length - (ctx.inputShapes[wide]?.length ?? 0);
};

function arithmetic(className: string): OnnxOpClass {
  return {
    className,
    pruning: 'couples its operands channel by channel (broadcasting over positions); a constant with one value per channel is sliced with them',
    inputs: ['A', 'B'],
    channels: arithmeticChannels,
    weights: { A: { input: 0, operand: true }, B: { input: 1, operand: true } },
    macs: NO_MACS,
    channelAxis: broadcastAxis,
    tfjs: { convert: importArithmetic },
  };
}

export const ONNX_ADD = arithmetic('Add');
export const ONNX_SUB = arithmetic('Sub');
export const ONNX_MUL = arithmetic('Mul');
export const ONNX_DIV = arithmetic('Div');
