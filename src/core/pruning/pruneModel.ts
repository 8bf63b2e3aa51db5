/**
 * Physical pruning: a new model whose layers have the pruned channels removed, with every
 * coupled weight sliced to match. The configuration is copied and only Conv2D `filters`
 * and Dense `units` change; every other layer infers its channels from its input.
 */
import * as tf from '@tensorflow/tfjs';
import { buildDependencyGraph } from './dependencyGraph';
import { copyWeights, layerConfig, modelConfig, rebuildModel } from './rebuild';
import { axisCuts, prunedChannels, type AxisCut } from './slicing';
import type { PrunePlan } from './types';

/** The layer setting that holds each class's output channel count. */
const WIDTH_SETTING: Readonly<Record<string, string>> = { Conv2D: 'filters', Dense: 'units' };

function cutsByWeight(cuts: readonly AxisCut[]): Map<string, AxisCut[]> {
  const byWeight = new Map<string, AxisCut[]>();
  for (const cut of cuts) {
    const key = `${cut.layer}/${cut.weight}`;
    byWeight.set(key, [...(byWeight.get(key) ?? []), cut]);
  }
  return byWeight;
}

/**
 * A new model with the channels of `plan` physically removed. `model` is not changed.
 * The plan must have been made for this model (planPruning); a plan that does not fit is
 * a PruneLensError.
 */
export function pruneModel(model: tf.LayersModel, plan: PrunePlan): tf.LayersModel {
  const graph = buildDependencyGraph(model);
  const cuts = axisCuts(graph, prunedChannels(graph, plan));
  const config = modelConfig(model);
  for (const cut of cuts) {
    const setting = WIDTH_SETTING[cut.layerClass];
    if (cut.role === 'out' && cut.weight === 'kernel' && setting !== undefined) {
      layerConfig(config, cut.layer)[setting] = cut.kept.length;
    }
  }
  const pruned = rebuildModel(model, config);
  const byWeight = cutsByWeight(cuts);
  copyWeights(model, pruned, (layer, weight, value) => {
    const weightCuts = byWeight.get(`${layer}/${weight}`);
    if (weightCuts === undefined) return undefined;
    return weightCuts.reduce((t, cut) => tf.gather(t, cut.kept, cut.axis), value);
  });
  return pruned;
}
