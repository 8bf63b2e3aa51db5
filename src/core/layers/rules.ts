/**
 * Channel rules several layer classes share: pass the channels through, merge several
 * inputs channel by channel, or refuse a layer that mixes channels.
 */
import type { Layout } from '../pruning/channelUniverse';
import type { ChannelRule, RuleContext } from './types';

export function layerLabel(ctx: RuleContext): string {
  return `layer '${ctx.name}' (${ctx.className})`;
}

/** The single input of a one-input layer, or undefined. */
export function singleLayout(ctx: RuleContext): Layout | undefined {
  return ctx.inputs.length === 1 ? ctx.inputs[0] : undefined;
}

/** Activations that mix channels: pruning one changes every other one's value. */
const CHANNEL_MIXING_ACTIVATIONS: ReadonlySet<string> = new Set(['softmax', 'logSoftmax']);

export function mixesChannels(activation: string): boolean {
  return CHANNEL_MIXING_ACTIVATIONS.has(activation);
}

/** Blocks a layer's outputs when its fused `activation` mixes channels. */
export function blockMixingActivation(ctx: RuleContext, out: Layout): void {
  const activation = String(ctx.config['activation'] ?? 'linear');
  if (mixesChannels(activation)) ctx.block(out, `${layerLabel(ctx)} applies ${activation} across channels`);
}

/** One input, the same channels out (activations, pooling, padding, dropout). */
export const passThrough: ChannelRule = (ctx) => {
  const input = singleLayout(ctx);
  return input === undefined ? ctx.opaque('it has several inputs') : [input];
};

/** Elementwise merges: channel i of every input is one channel of the output. */
export const mergeInputs: ChannelRule = (ctx) => {
  const [first, ...rest] = ctx.inputs;
  if (first === undefined || rest.some((l) => l.length !== first.length)) return ctx.opaque('its inputs have different channel counts');
  for (const other of rest) ctx.union(first, other);
  return [first];
};

/**
 * The rule of a layer whose kernel creates its channels (Conv2D, Dense): axis `inAxis` of
 * `kernel` reads the input's channels, axis `outAxis` makes the layer's own, which its bias
 * follows.
 */
export function createsChannels(inAxis: number, outAxis: number): ChannelRule {
  return (ctx) => {
    const input = singleLayout(ctx);
    const shape = ctx.weightShape('kernel');
    if (input === undefined || shape === undefined || shape[inAxis] !== input.length) return ctx.opaque('its kernel does not match its input');
    ctx.couple('kernel', inAxis, input, 'in');
    const out = ctx.ownSpace(shape[outAxis] ?? 0);
    ctx.couple('kernel', outAxis, out, 'out');
    ctx.couple('bias', 0, out, 'out');
    blockMixingActivation(ctx, out);
    return [out];
  };
}

/** A rule for a class the pruner cannot see through, with the reason. */
export function opaqueRule(why: string): ChannelRule {
  return (ctx) => ctx.opaque(why);
}
