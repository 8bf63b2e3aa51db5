/**
 * Pad and Resize: they move or repeat pixels, never mix channels, as long as they leave the
 * channel axis alone (no padding on it, a scale of 1 on it). Resize given target `sizes`
 * names the channel count, which physical pruning rewrites.
 */
import { importPad, importResize } from '../../onnx/import/spatialImport';
import { NO_MACS } from '../macs';
import type { ChannelRule } from '../types';
import { configInts, normaliseAxis, onlyInput } from './config';
import type { OnnxOpClass, OnnxRewrite, OnnxRewriteContext } from './types';

const padChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const pads = configInts(ctx.config, 'pads') ?? [];
  const axes = (configInts(ctx.config, 'axes') ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normaliseAxis(a, rank));
  const k = axes.indexOf(ctx.channelAxes[0] ?? -1);
  if (input === undefined) return ctx.opaque('it has no tensor input');
  if (k >= 0 && ((pads[k] ?? 0) !== 0 || (pads[k + axes.length] ?? 0) !== 0)) return ctx.opaque('it pads the channel axis');
  return [input];
};

const resizeChannels: ChannelRule = (ctx) => {
  const input = onlyInput(ctx);
  const c = ctx.channelAxes[0] ?? 1;
  const scales = configInts(ctx.config, 'scales');
  const sizes = configInts(ctx.config, 'sizes');
  if (input === undefined) return ctx.opaque('it has no tensor input');
  if ((scales !== undefined && scales.length > 0 && scales[c] !== 1) || (sizes !== undefined && sizes.length > 0 && sizes[c] !== input.length)) return ctx.opaque('it resizes the channel axis');
  return [input];
};

/** A target size that copied an input size copies the pruned one. */
function resizeTo(ctx: OnnxRewriteContext): OnnxRewrite | undefined {
  const sizes = configInts(ctx.config, 'sizes');
  const [before, after] = [ctx.before[0], ctx.after[0]];
  if (sizes === undefined || sizes.length === 0 || before === undefined || after === undefined) return undefined;
  const next = sizes.map((s, i) => (s === before[i] && typeof after[i] === 'number' ? after[i] : s));
  return next.every((s, i) => s === sizes[i]) ? undefined : { constants: new Map([[3, next]]) };
}

const MOVES_PIXELS = 'follows its input: it moves pixels, never mixes channels';

export const ONNX_PAD: OnnxOpClass = { className: 'Pad', pruning: MOVES_PIXELS, inputs: ['data', 'pads', 'constant_value', 'axes'], channels: padChannels, weights: {}, macs: NO_MACS, tfjs: { convert: importPad } };

export const ONNX_RESIZE: OnnxOpClass = {
  className: 'Resize',
  pruning: MOVES_PIXELS,
  inputs: ['X', 'roi', 'scales', 'sizes'],
  channels: resizeChannels,
  weights: {},
  macs: NO_MACS,
  rewrite: resizeTo,
  tfjs: { convert: importResize },
};
