/**
 * Physical pruning: a new model whose layers have the pruned channels removed, with every
 * coupled weight sliced to match. The configuration is copied and only the width setting
 * the registry names for a class (Conv2D `filters`, Dense `units`) changes; every other
 * layer infers its channels from its input.
 */
import * as tf from '@tensorflow/tfjs';
import { layerClass } from '../layers/registry';
import { buildDependencyGraph } from './dependencyGraph';
import { copyWeights, layerConfig, modelConfig, rebuildModel } from './rebuild';
import { axisCuts, keptCount, prunedChannels, type AxisCut } from './slicing';
import type { PrunePlan } from './types';

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
  const removed = prunedChannels(graph, plan);
  const cuts = axisCuts(graph, removed);
  const config = modelConfig(model);
  for (const cut of cuts) {
    const setting = layerClass(cut.layerClass)?.width;
    if (cut.role === 'out' && cut.kernel && setting !== undefined) {
      layerConfig(config, cut.layer)[setting] = cut.kept.length;
    }
  }
  // A layer whose config spells out its channel count (a Reshape's target) gets the new one.
  for (const output of graph.layerOutputs) {
    const resize = layerClass(model.getLayer(output.layer).getClassName())?.resize;
    if (resize !== undefined) resize(layerConfig(config, output.layer), keptCount(output, removed));
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
