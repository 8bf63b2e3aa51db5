/**
 * CIFAR-style ResNet-20 (He et al. 2016, section 4.2): a 3x3 stem, three stages of three
 * basic blocks at widths 16/32/64 (the second and third stages start with stride 2), global
 * average pooling and one Dense. The downsampling shortcut is a 1x1 conv + BN ("option B"),
 * so every residual Add has learnable channels on both sides, which is the case channel
 * pruning must couple.
 *
 * Names: block `conv3_1` has `conv3_1_a` and `conv3_1_b` (3x3 convs, each with `_bn`),
 * `conv3_1_short` when it downsamples, the sum `conv3_1_add` and the ReLU `conv3_1_relu`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext } from './blocks';
import { add, convBn, modelInput, poolAndLogits, relu, scaleWidth } from './blocks';
import type { ResolvedBuildOptions } from './buildOptions';

/** Widths of the three stages before the width multiplier. */
export const RESNET20_STAGE_WIDTHS: readonly number[] = [16, 32, 64];
export const RESNET20_BLOCKS_PER_STAGE = 3;

/** A basic block: two 3x3 conv-BN (the first strided), a 1x1 conv-BN shortcut where the shape changes, Add, ReLU. */
function basicBlock(
  ctx: BuildContext,
  x: tf.SymbolicTensor,
  name: string,
  inChannels: number,
  outChannels: number,
  stride: number,
): tf.SymbolicTensor {
  let y = convBn(ctx, x, outChannels, { name: `${name}_a`, kernelSize: 3, strides: stride, activation: 'relu' });
  y = convBn(ctx, y, outChannels, { name: `${name}_b`, kernelSize: 3, activation: 'none' });
  const needsProjection = stride !== 1 || inChannels !== outChannels;
  const shortcut = needsProjection
    ? convBn(ctx, x, outChannels, { name: `${name}_short`, kernelSize: 1, strides: stride, activation: 'none' })
    : x;
  return relu(`${name}_relu`, add(`${name}_add`, [shortcut, y]));
}

/**
 * Stages `conv2`, `conv3`, ... of `blocks` basic blocks at `widths`, from `x` with `channels`
 * channels; every stage after the first starts with stride 2.
 */
export function residualStages(ctx: BuildContext, x: tf.SymbolicTensor, channels: number, widths: readonly number[], blocks: number): tf.SymbolicTensor {
  let y = x;
  let inChannels = channels;
  widths.forEach((width, stageIndex) => {
    for (let i = 0; i < blocks; i++) {
      const stride = stageIndex > 0 && i === 0 ? 2 : 1;
      y = basicBlock(ctx, y, `conv${stageIndex + 2}_${i + 1}`, inChannels, width, stride);
      inChannels = width;
    }
  });
  return y;
}

export function buildResNet20(opts: ResolvedBuildOptions): tf.LayersModel {
  const ctx: BuildContext = { seed: opts.seed };
  const widths = RESNET20_STAGE_WIDTHS.map((w) => scaleWidth(w, opts.widthMultiplier));
  const input = modelInput(opts.inputShape);
  const channels = widths[0] ?? 1;
  const stem = convBn(ctx, input, channels, { name: 'conv1', kernelSize: 3, activation: 'relu' });
  const x = residualStages(ctx, stem, channels, widths, RESNET20_BLOCKS_PER_STAGE);
  const output = poolAndLogits(ctx, x, opts.numClasses, 'pool', 'fc');
  return tf.model({ name: 'resnet20', inputs: input, outputs: output });
}
