/**
 * Masking: a new model of the same shapes that computes what the pruned model computes.
 * Zeroing a pruned channel where it is produced is not enough: a following
 * BatchNormalization adds its shift and the channel is non-zero again (and a depthwise
 * conv and its BN carry it on). The channels are therefore cut where the group ENDS: the
 * input slices of the layers that consume the group (the next Conv2D's input channels, a
 * Dense's rows) are zeroed, so the pruned channels contribute nothing anywhere, exactly
 * as if they had been removed.
 */
import * as tf from '@tensorflow/tfjs';
import { buildDependencyGraph } from './dependencyGraph';
import { copyWeights, modelConfig, rebuildModel } from './rebuild';
import { axisCuts, prunedChannels, type AxisCut } from './slicing';
import type { PrunePlan } from './types';

/** `value` with the removed indices of `cut`'s axis set to zero. */
function zeroSlices(value: tf.Tensor, cut: AxisCut): tf.Tensor {
  const mask = new Float32Array(cut.size).fill(1);
  for (const i of cut.removed) mask[i] = 0;
  const shape = value.shape.map((d, axis) => (axis === cut.axis ? d : 1));
  return tf.mul(value, tf.tensor(mask, shape));
}

/**
 * A new model, same shapes as `model`, whose outputs equal pruneModel(model, plan)'s (up
 * to float summation order). `model` is not changed.
 */
export function maskModel(model: tf.LayersModel, plan: PrunePlan): tf.LayersModel {
  const graph = buildDependencyGraph(model);
  const consumerCuts = axisCuts(graph, prunedChannels(graph, plan)).filter((c) => c.role === 'in');
  const masked = rebuildModel(model, modelConfig(model));
  copyWeights(model, masked, (layer, weight, value) => {
    const cuts = consumerCuts.filter((c) => c.layer === layer && c.weight === weight);
    return cuts.length === 0 ? undefined : cuts.reduce(zeroSlices, value);
  });
  return masked;
}
