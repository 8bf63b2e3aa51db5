/**
 * Gemm and MatMul with a constant weight: the classifier head (PyTorch's Linear is a Gemm
 * with transB = 1; over more than two axes it is a MatMul with the weight transposed).
 * They create their own channels (the weight's output axis) and drop the input rows of
 * the channels pruned before them.
 */
import { importGemm, importMatMul } from '../../onnx/import/linearImport';
import { dim, elementCount } from '../macs';
import type { ChannelRule, MacsCall, MacsTerm } from '../types';
import { configInt, onlyInput, sizeBetween } from './config';
import type { AxisContext, OnnxOpClass } from './types';

/** The axes of Gemm's B that meet the input rows and the outputs. */
function gemmAxes(config: Readonly<Record<string, unknown>>): { inAxis: number; outAxis: number } {
  return configInt(config, 'transB', 0) === 1 ? { inAxis: 1, outAxis: 0 } : { inAxis: 0, outAxis: 1 };
}

const gemmChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const b = ctx.weightShape('B');
  const { inAxis, outAxis } = gemmAxes(ctx.config);
  if (input === undefined || b === undefined || configInt(ctx.config, 'transA', 0) !== 0 || ctx.channelAxes[0] !== 1) return ctx.opaque('it needs a constant weight and untransposed rows');
  if (b[inAxis] !== input.length) return ctx.opaque('its weight does not match its input');
  ctx.couple('B', inAxis, input, 'in');
  const out = ctx.ownSpace(b[outAxis] ?? 0);
  ctx.couple('B', outAxis, out, 'out');
  const c = ctx.weightShape('C');
  if (c !== undefined && c.length > 0 && c[c.length - 1] === out.length) ctx.couple('C', c.length - 1, out, 'out');
  return [out];
};

/** in * out per row; the bias costs no MACs but is pruned with the outputs (as TF.js Dense). */
function gemmMacs(call: MacsCall): MacsTerm[] {
  const b = call.weights.get('B');
  const { inAxis, outAxis } = gemmAxes(call.config);
  const terms: MacsTerm[] = [{ macs: dim(b, 0) * dim(b, 1), params: elementCount(b), scaledBy: [{ weight: 'B', axis: inAxis }, { weight: 'B', axis: outAxis }] }];
  const c = call.weights.get('C');
  if (c !== undefined) terms.push({ macs: 0, params: elementCount(c), scaledBy: [{ weight: 'B', axis: outAxis }] });
  return terms;
}

/** MatMul over the channel axis (the last) projects the channels; over another axis it mixes positions only. */
const matMulChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const b = ctx.weightShape('B');
  const rank = ctx.inputShapes[0]?.length ?? 0;
  if (input === undefined || b === undefined || b.length !== 2) return ctx.opaque('it needs a constant two-axis weight');
  if (ctx.channelAxes[0] !== rank - 1) return [input];
  if (b[0] !== input.length) return ctx.opaque('its weight does not match its input');
  ctx.couple('B', 0, input, 'in');
  const out = ctx.ownSpace(b[1] ?? 0);
  ctx.couple('B', 1, out, 'out');
  return [out];
};

const matMulAxis = (ctx: AxisContext): number => {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  return (ctx.inputAxes[0] ?? 0) + ctx.outputShape.length - rank;
};

/** K * N per row, times the rows each image has. */
function matMulMacs(call: MacsCall): MacsTerm[] {
  const b = call.weights.get('B');
  const rows = sizeBetween(call.outputShape, 1, call.outputShape.length - 1);
  return [{ macs: rows * dim(b, 0) * dim(b, 1), params: elementCount(b), scaledBy: [{ weight: 'B', axis: 0 }, { weight: 'B', axis: 1 }] }];
}

export const ONNX_GEMM: OnnxOpClass = {
  className: 'Gemm',
  pruning: 'creates channels (its outputs: B axis 0 with transB, as PyTorch writes Linear), and drops the input rows of the channels pruned before it',
  inputs: ['A', 'B', 'C'],
  channels: gemmChannels,
  weights: {
    B: { input: 1, outChannels: (s, config) => s[gemmAxes(config ?? {}).outAxis], stateDict: 'weight' },
    C: { input: 2, stateDict: 'bias' },
  },
  macs: { counted: gemmMacs },
  channelAxis: () => 1,
  tfjs: { convert: importGemm },
};

export const ONNX_MATMUL: OnnxOpClass = {
  className: 'MatMul',
  pruning: 'creates channels when it projects the channel axis (B is [in, out]), and drops the input rows of the channels pruned before it',
  inputs: ['A', 'B'],
  channels: matMulChannels,
  weights: { B: { input: 1, outChannels: (s) => s[1], stateDict: 'weight' } },
  macs: { counted: matMulMacs },
  channelAxis: matMulAxis,
  tfjs: { convert: importMatMul },
};
