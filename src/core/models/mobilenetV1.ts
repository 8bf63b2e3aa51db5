/**
 * MobileNetV1 in the layout PaddleSlim's examples use for MNIST-sized input: a 3x3/2 stem,
 * 13 depthwise-separable blocks, global average pooling and one Dense. Layer names follow
 * PaddleSlim's (`conv2_1_sep` -> parameter `conv2_1_sep_weights`), so sensitivity results
 * can be compared with PaddleSlim's by name.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext } from './blocks';
import { convBn, depthwiseBn, modelInput, poolAndLogits, scaleWidth } from './blocks';
import type { ResolvedBuildOptions } from './buildOptions';

interface SeparableBlock {
  readonly name: string;
  /** Output width of the pointwise conv before the width multiplier. */
  readonly filters: number;
  /** Stride of the depthwise conv; the pointwise conv is always stride 1. */
  readonly stride: number;
}

/** The 13 blocks, in network order. */
export const MOBILENET_V1_BLOCKS: readonly SeparableBlock[] = [
  { name: 'conv2_1', filters: 64, stride: 1 },
  { name: 'conv2_2', filters: 128, stride: 2 },
  { name: 'conv3_1', filters: 128, stride: 1 },
  { name: 'conv3_2', filters: 256, stride: 2 },
  { name: 'conv4_1', filters: 256, stride: 1 },
  { name: 'conv4_2', filters: 512, stride: 2 },
  { name: 'conv5_1', filters: 512, stride: 1 },
  { name: 'conv5_2', filters: 512, stride: 1 },
  { name: 'conv5_3', filters: 512, stride: 1 },
  { name: 'conv5_4', filters: 512, stride: 1 },
  { name: 'conv5_5', filters: 512, stride: 1 },
  { name: 'conv5_6', filters: 1024, stride: 2 },
  { name: 'conv6', filters: 1024, stride: 1 },
];

const STEM_FILTERS = 32;

/**
 * Builds the network. Every conv is bias-free (a BatchNorm follows each one) and every
 * BN is followed by its own ReLU layer; the output is logits (no softmax).
 */
export function buildMobileNetV1(opts: ResolvedBuildOptions): tf.LayersModel {
  const ctx: BuildContext = { seed: opts.seed };
  const input = modelInput(opts.inputShape);
  let x = convBn(ctx, input, scaleWidth(STEM_FILTERS, opts.widthMultiplier), {
    name: 'conv1',
    kernelSize: 3,
    strides: 2,
    activation: 'relu',
  });
  for (const block of MOBILENET_V1_BLOCKS) {
    x = depthwiseBn(ctx, x, { name: `${block.name}_dw`, kernelSize: 3, strides: block.stride, activation: 'relu' });
    x = convBn(ctx, x, scaleWidth(block.filters, opts.widthMultiplier), {
      name: `${block.name}_sep`,
      kernelSize: 1,
      activation: 'relu',
    });
  }
  const output = poolAndLogits(ctx, x, opts.numClasses, 'pool', 'fc7');
  return tf.model({ name: 'mobilenetV1', inputs: input, outputs: output });
}
