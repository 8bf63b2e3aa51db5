/**
 * One rule per layer class: how a layer maps the channel layouts of its inputs to those of
 * its outputs, and which of its weight axes follow which channels. A class without a rule
 * is one the pruner cannot see through: the channels flowing into it become unprunable,
 * with a reason naming the layer and its class, and its outputs get fresh fixed channels.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Layout } from './channelUniverse';
import { concatLayouts, repeatEach, tile } from './channelUniverse';
import type { MemberRole } from './types';

type Shape = readonly (number | null)[];

export interface RuleContext {
  readonly layer: tf.layers.Layer;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly Layout[];
  readonly inputShapes: readonly Shape[];
  /** The layer's own new channels; a layer called twice gets the same ones. */
  ownSpace(size: number): Layout;
  /** Shape of the layer's weight `weight` (`kernel`, `gamma`, ...), if it has one. */
  weightShape(weight: string): readonly number[] | undefined;
  /** Couples axis `axis` of weight `weight` to the channels in `layout`. */
  couple(weight: string, axis: number, layout: Layout, role: MemberRole): void;
  union(a: Layout, b: Layout): void;
  block(layout: Layout, reason: string): void;
  /** Blocks every input and returns fixed outputs: the rule gives up on this layer. */
  opaque(why?: string): Layout[];
}

export type LayerRule = (ctx: RuleContext) => Layout[];

function layerLabel(ctx: RuleContext): string {
  return `layer '${ctx.layer.name}' (${ctx.className})`;
}

function single(ctx: RuleContext): Layout | undefined {
  return ctx.inputs.length === 1 ? ctx.inputs[0] : undefined;
}

/** Activations that mix channels: pruning one changes every other one's value. */
const CHANNEL_MIXING_ACTIVATIONS: ReadonlySet<string> = new Set(['softmax']);

function blockMixingActivation(ctx: RuleContext, out: Layout): void {
  const activation = String(ctx.config['activation'] ?? 'linear');
  if (CHANNEL_MIXING_ACTIVATIONS.has(activation)) {
    ctx.block(out, `${layerLabel(ctx)} applies ${activation} across channels`);
  }
}

const passThrough: LayerRule = (ctx) => {
  const input = single(ctx);
  return input === undefined ? ctx.opaque('it has several inputs') : [input];
};

const conv2d: LayerRule = (ctx) => {
  const input = single(ctx);
  const shape = ctx.weightShape('kernel');
  if (input === undefined || shape === undefined || shape[2] !== input.length) return ctx.opaque('its kernel does not match its input');
  ctx.couple('kernel', 2, input, 'in');
  const out = ctx.ownSpace(shape[3] ?? 0);
  ctx.couple('kernel', 3, out, 'out');
  ctx.couple('bias', 0, out, 'out');
  blockMixingActivation(ctx, out);
  return [out];
};

const dense: LayerRule = (ctx) => {
  const input = single(ctx);
  const shape = ctx.weightShape('kernel');
  if (input === undefined || shape === undefined || shape[0] !== input.length) return ctx.opaque('its kernel does not match its input');
  ctx.couple('kernel', 0, input, 'in');
  const out = ctx.ownSpace(shape[1] ?? 0);
  ctx.couple('kernel', 1, out, 'out');
  ctx.couple('bias', 0, out, 'out');
  blockMixingActivation(ctx, out);
  return [out];
};

/** Output channel c * m + j of a depthwise conv reads only input channel c. */
const depthwiseConv2d: LayerRule = (ctx) => {
  const input = single(ctx);
  const shape = ctx.weightShape('depthwise_kernel');
  if (input === undefined || shape === undefined || shape[2] !== input.length) return ctx.opaque('its kernel does not match its input');
  ctx.couple('depthwise_kernel', 2, input, 'channel');
  const out = repeatEach(input, shape[3] ?? 1);
  ctx.couple('bias', 0, out, 'channel');
  blockMixingActivation(ctx, out);
  return [out];
};

const batchNormalization: LayerRule = (ctx) => {
  const input = single(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = Number(ctx.config['axis'] ?? -1);
  if (input === undefined || (axis !== -1 && axis !== rank - 1)) return ctx.opaque('it normalises an axis other than the channels');
  for (const weight of ['gamma', 'beta', 'moving_mean', 'moving_variance']) ctx.couple(weight, 0, input, 'channel');
  return [input];
};

const activation: LayerRule = (ctx) => {
  const name = String(ctx.config['activation'] ?? 'linear');
  if (CHANNEL_MIXING_ACTIVATIONS.has(name)) return ctx.opaque(`it applies ${name} across channels`);
  return passThrough(ctx);
};

/** Channels-last Flatten: row (y * W + x) * C + c holds channel c. */
const flatten: LayerRule = (ctx) => {
  const input = single(ctx);
  const shape = ctx.inputShapes[0] ?? [];
  const positions = shape.slice(1, -1);
  if (input === undefined || positions.some((d) => d === null)) return ctx.opaque('its input has an unknown size');
  return [tile(input, positions.reduce<number>((n, d) => n * (d ?? 1), 1))];
};

const concatenate: LayerRule = (ctx) => {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = Number(ctx.config['axis'] ?? -1);
  if (axis === -1 || axis === rank - 1) return [concatLayouts(ctx.inputs)];
  // Joined along a spatial axis, channel i of every input lands in the same channel.
  return merge(ctx);
};

/** Elementwise merges: channel i of every input is one channel of the output. */
const merge: LayerRule = (ctx) => {
  const [first, ...rest] = ctx.inputs;
  if (first === undefined || rest.some((l) => l.length !== first.length)) return ctx.opaque('its inputs have different channel counts');
  for (const other of rest) ctx.union(first, other);
  return [first];
};

const PASS_THROUGH_CLASSES = [
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'ZeroPadding2D',
  'Cropping2D',
  'UpSampling2D',
];

const MERGE_CLASSES = ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'];

export const LAYER_RULES: ReadonlyMap<string, LayerRule> = new Map<string, LayerRule>([
  ['Conv2D', conv2d],
  ['Dense', dense],
  ['DepthwiseConv2D', depthwiseConv2d],
  ['BatchNormalization', batchNormalization],
  ['Activation', activation],
  ['Flatten', flatten],
  ['Concatenate', concatenate],
  ...PASS_THROUGH_CLASSES.map((c): [string, LayerRule] => [c, passThrough]),
  ...MERGE_CLASSES.map((c): [string, LayerRule] => [c, merge]),
]);

/** The rule for a layer; channels-first layers have none (their channel axis is not last). */
export function ruleFor(className: string, config: Readonly<Record<string, unknown>>): LayerRule | undefined {
  if (config['dataFormat'] === 'channelsFirst') return undefined;
  return LAYER_RULES.get(className);
}
