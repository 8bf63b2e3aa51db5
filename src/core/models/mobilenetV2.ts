/**
 * MobileNetV2: inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 linear projection,
 * Add when shapes allow) with ReLU6, expansion 6. Two layouts, chosen by the input size:
 *
 * - small input (sides below IMAGENET_LAYOUT_MIN_SIDE, e.g. 28x28 or 32x32): cut down. The
 *   ImageNet layout's last two stages (160 and 320 wide) and its 1280-wide head would work
 *   on 1x1 feature maps here, so they are dropped and the head is 640 wide; the stem is
 *   stride 1 so that the three stride-2 stages end at 4x4 for 28x28 input.
 * - larger input (e.g. 224x224x3): the paper's ImageNet layout, stride-2 stem, seven stages
 *   and a 1280-wide head (300 M MACs per image at 224x224), so that a zoo model at the
 *   real input size is the real network.
 *
 * Names follow PaddleSlim's MobileNetV2: block `conv3_2` has `conv3_2_expand`,
 * `conv3_2_dwise`, `conv3_2_linear` (each with `_bn`), and the residual `conv3_2_add`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext } from './blocks';
import { add, convBn, depthwiseBn, modelInput, poolAndLogits, scaleWidth } from './blocks';
import type { ResolvedBuildOptions } from './buildOptions';

interface InvertedResidualStage {
  /** Expansion factor t: the expand conv widens the input t times (1 means no expand conv). */
  readonly expansion: number;
  /** Output width c before the width multiplier. */
  readonly filters: number;
  /** Number of blocks n. */
  readonly repeats: number;
  /** Stride s of the first block's depthwise conv; the others are stride 1. */
  readonly stride: number;
}

/** Stages conv2 .. conv6 of the small-input layout, in (t, c, n, s) form as in the MobileNetV2 paper. */
export const MOBILENET_V2_STAGES: readonly InvertedResidualStage[] = [
  { expansion: 1, filters: 16, repeats: 1, stride: 1 },
  { expansion: 6, filters: 24, repeats: 2, stride: 2 },
  { expansion: 6, filters: 32, repeats: 3, stride: 2 },
  { expansion: 6, filters: 64, repeats: 3, stride: 2 },
  { expansion: 6, filters: 96, repeats: 2, stride: 1 },
];

/** Stages conv2 .. conv8 of the ImageNet layout (the paper's table 2). */
export const MOBILENET_V2_IMAGENET_STAGES: readonly InvertedResidualStage[] = [
  { expansion: 1, filters: 16, repeats: 1, stride: 1 },
  { expansion: 6, filters: 24, repeats: 2, stride: 2 },
  { expansion: 6, filters: 32, repeats: 3, stride: 2 },
  { expansion: 6, filters: 64, repeats: 4, stride: 2 },
  { expansion: 6, filters: 96, repeats: 3, stride: 1 },
  { expansion: 6, filters: 160, repeats: 3, stride: 2 },
  { expansion: 6, filters: 320, repeats: 1, stride: 1 },
];

/**
 * Input sides from which the ImageNet layout is built: its five stride-2 steps take 96
 * pixels down to 3x3, the smallest map on which its last stages still see neighbours.
 */
export const IMAGENET_LAYOUT_MIN_SIDE = 96;

interface Layout {
  readonly stemStride: number;
  readonly stages: readonly InvertedResidualStage[];
  readonly head: number;
}

const SMALL_LAYOUT: Layout = { stemStride: 1, stages: MOBILENET_V2_STAGES, head: 640 };
const IMAGENET_LAYOUT: Layout = { stemStride: 2, stages: MOBILENET_V2_IMAGENET_STAGES, head: 1280 };

const STEM_FILTERS = 32;

/** The layout for an input of `height` x `width`. */
export function mobileNetV2Layout(height: number, width: number): 'small' | 'imagenet' {
  return Math.min(height, width) >= IMAGENET_LAYOUT_MIN_SIDE ? 'imagenet' : 'small';
}

function invertedResidual(
  ctx: BuildContext,
  x: tf.SymbolicTensor,
  name: string,
  inChannels: number,
  outChannels: number,
  expansion: number,
  stride: number,
): tf.SymbolicTensor {
  let y = x;
  if (expansion !== 1) {
    y = convBn(ctx, y, inChannels * expansion, { name: `${name}_expand`, kernelSize: 1, activation: 'relu6' });
  }
  y = depthwiseBn(ctx, y, { name: `${name}_dwise`, kernelSize: 3, strides: stride, activation: 'relu6' });
  // The projection stays linear: a ReLU on this narrow output would destroy information.
  y = convBn(ctx, y, outChannels, { name: `${name}_linear`, kernelSize: 1, activation: 'none' });
  if (stride === 1 && inChannels === outChannels) y = add(`${name}_add`, [x, y]);
  return y;
}

export function buildMobileNetV2(opts: ResolvedBuildOptions): tf.LayersModel {
  const ctx: BuildContext = { seed: opts.seed };
  const width = (c: number): number => scaleWidth(c, opts.widthMultiplier);
  const layout = mobileNetV2Layout(opts.inputShape[0], opts.inputShape[1]) === 'imagenet' ? IMAGENET_LAYOUT : SMALL_LAYOUT;
  const input = modelInput(opts.inputShape);
  let channels = width(STEM_FILTERS);
  let x = convBn(ctx, input, channels, { name: 'conv1', kernelSize: 3, strides: layout.stemStride, activation: 'relu6' });
  layout.stages.forEach((stage, stageIndex) => {
    const outChannels = width(stage.filters);
    for (let i = 0; i < stage.repeats; i++) {
      const name = `conv${stageIndex + 2}_${i + 1}`;
      const stride = i === 0 ? stage.stride : 1;
      x = invertedResidual(ctx, x, name, channels, outChannels, stage.expansion, stride);
      channels = outChannels;
    }
  });
  const headName = `conv${layout.stages.length + 2}`;
  x = convBn(ctx, x, width(layout.head), { name: headName, kernelSize: 1, activation: 'relu6' });
  const output = poolAndLogits(ctx, x, opts.numClasses, 'pool', 'fc');
  return tf.model({ name: 'mobilenetV2', inputs: input, outputs: output });
}
