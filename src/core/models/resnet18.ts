/**
 * ResNet-18 in the ImageNet layout (He et al. 2016, table 1): a 7x7 stride-2 stem with a
 * 3x3 stride-2 max pooling, four stages of two basic blocks at widths 64/128/256/512 (the
 * last three start with stride 2), global average pooling and one Dense. At 224x224 the
 * stages run at 56, 28, 14 and 7 pixels and the network costs 1.8 G MACs per image; it is
 * the real-size residual network of the benchmarks (docs/benchmarks.md).
 *
 * The blocks are resnet20's (resnet.ts): the downsampling shortcut is a 1x1 conv + BN
 * ("option B"), and the names follow the same scheme: block `conv3_1` has `conv3_1_a`,
 * `conv3_1_b`, `conv3_1_short`, `conv3_1_add` and `conv3_1_relu`. Convolutions use 'same'
 * padding, as every zoo model does.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext } from './blocks';
import { convBn, modelInput, poolAndLogits, scaleWidth } from './blocks';
import type { ResolvedBuildOptions } from './buildOptions';
import { residualStages } from './resnet';

/** Widths of the four stages before the width multiplier. */
export const RESNET18_STAGE_WIDTHS: readonly number[] = [64, 128, 256, 512];
export const RESNET18_BLOCKS_PER_STAGE = 2;

export function buildResNet18(opts: ResolvedBuildOptions): tf.LayersModel {
  const ctx: BuildContext = { seed: opts.seed };
  const widths = RESNET18_STAGE_WIDTHS.map((w) => scaleWidth(w, opts.widthMultiplier));
  const input = modelInput(opts.inputShape);
  const channels = widths[0] ?? 1;
  const stem = convBn(ctx, input, channels, { name: 'conv1', kernelSize: 7, strides: 2, activation: 'relu' });
  const pooled = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsLast' }).apply(stem) as tf.SymbolicTensor;
  const x = residualStages(ctx, pooled, channels, widths, RESNET18_BLOCKS_PER_STAGE);
  const output = poolAndLogits(ctx, x, opts.numClasses, 'pool', 'fc');
  return tf.model({ name: 'resnet18', inputs: input, outputs: output });
}
