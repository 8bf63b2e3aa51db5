/**
 * A small VGG: three stages of two 3x3 conv-BN-ReLU layers (widths 16/32/64), each stage
 * ending in 2x2 max pooling, then Flatten, a hidden Dense with ReLU, and the logits Dense.
 *
 * Two things here exist for the pruner's sake. The convs keep their bias (as PaddlePaddle's
 * VGG does), so conv-bias coupling (`conv1_1_offset` next to `conv1_1_bn_offset`) is
 * exercised. And Flatten -> Dense is the case where one conv channel owns many Dense input
 * rows (one per spatial position), unlike the pooled heads of the other zoo models.
 *
 * Pooling uses 'same' padding so that any input of at least 1x1 builds (28 -> 14 -> 7 -> 4).
 */
import * as tf from '@tensorflow/tfjs';
import type { BuildContext } from './blocks';
import { convBn, hiddenDense, logits, modelInput, relu, scaleWidth } from './blocks';
import type { ResolvedBuildOptions } from './buildOptions';

/** Widths of the three stages before the width multiplier. */
export const VGG_STAGE_WIDTHS: readonly number[] = [16, 32, 64];
export const VGG_CONVS_PER_STAGE = 2;
/** Width of the hidden Dense before the width multiplier. */
export const VGG_HIDDEN_UNITS = 128;

export function buildVgg(opts: ResolvedBuildOptions): tf.LayersModel {
  const ctx: BuildContext = { seed: opts.seed };
  const input = modelInput(opts.inputShape);
  let x = input;
  VGG_STAGE_WIDTHS.forEach((baseWidth, stageIndex) => {
    const stage = stageIndex + 1;
    const filters = scaleWidth(baseWidth, opts.widthMultiplier);
    for (let i = 0; i < VGG_CONVS_PER_STAGE; i++) {
      x = convBn(ctx, x, filters, { name: `conv${stage}_${i + 1}`, kernelSize: 3, useBias: true, activation: 'relu' });
    }
    const pool = tf.layers.maxPooling2d({
      name: `pool${stage}`,
      poolSize: 2,
      strides: 2,
      padding: 'same',
      dataFormat: 'channelsLast',
    });
    x = pool.apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.flatten({ name: 'flatten', dataFormat: 'channelsLast' }).apply(x) as tf.SymbolicTensor;
  x = relu('fc1_relu', hiddenDense(ctx, x, scaleWidth(VGG_HIDDEN_UNITS, opts.widthMultiplier), 'fc1'));
  const output = logits(ctx, x, opts.numClasses, 'fc2');
  return tf.model({ name: 'vgg', inputs: input, outputs: output });
}
