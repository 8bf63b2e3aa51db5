/**
 * What each channel group's points are expected to cost, for balancing shards (shardPlan.ts).
 * The fast engine (docs/sensitivity-engines.md) runs the network upstream of a group once
 * and, for each point, every layer downstream of the group's mask points; so a point costs
 * about the MACs of the layers that read the masked channels, directly or further on. Those
 * are counted here per image, as `prunelens info` counts MACs (convs and Dense).
 *
 * Left out on purpose, because they do not depend on how the groups are split: each shard's
 * start-up and baseline pass, and its chained upstream pass (at most one network pass).
 */
import type * as tf from '@tensorflow/tfjs';
import { isMeasured, ratioKey, type SensitivityResults } from '../../shared/results';
import { isModelHandle, type ModelHandle } from '../models/modelHandle';
import { tfjsModel } from '../models/tfjsModel';
import type { ChannelGroup } from '../pruning';
import type { PlanItem } from './shardPlan';

/** Layer (or node) name -> the calls that take its output as an input, from the model's graph. */
function consumersOf(model: ModelHandle): Map<string, Set<string>> {
  const consumers = new Map<string, Set<string>>();
  for (const call of model.graph().calls) {
    for (const input of call.inputs) {
      const set = consumers.get(input.producer) ?? new Set<string>();
      set.add(call.name);
      consumers.set(input.producer, set);
    }
  }
  return consumers;
}

/**
 * MACs per image of every layer downstream of `group`'s mask points, for each group: what
 * one of its points costs the fast engine. `macsByLayer` and `consumers` come from the model
 * once (downstreamMacsOf builds them).
 */
function downstreamMacs(group: ChannelGroup, consumers: ReadonlyMap<string, ReadonlySet<string>>, macsByLayer: ReadonlyMap<string, number>): number {
  const seen = new Set<string>();
  const queue = [...group.maskAfter];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    for (const next of consumers.get(name) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  let macs = 0;
  for (const name of seen) macs += macsByLayer.get(name) ?? 0;
  return macs;
}

/** Group id -> MACs per image downstream of its mask points, for `groups` of `model`. */
export function downstreamMacsOf(model: tf.LayersModel | ModelHandle, groups: readonly ChannelGroup[]): Map<string, number> {
  const handle = isModelHandle(model) ? model : tfjsModel(model);
  const consumers = consumersOf(handle);
  const macsByLayer = new Map(handle.summary({ onlyConv: true }).layers.map((l) => [l.name, l.macs]));
  return new Map(groups.map((g) => [g.id, downstreamMacs(g, consumers, macsByLayer)]));
}

/**
 * The plan items for `groups` (prunable, in network order): downstream MACs times the ratios
 * of `ratios` that `existing` (the results file before the split) has not measured (an
 * early-stop marker counts as not measured: a scan without early stop measures it). A group
 * with every point already there costs 0 and still gets a place, so its points travel in
 * one shard's file.
 */
export function planItems(model: tf.LayersModel | ModelHandle, groups: readonly ChannelGroup[], ratios: readonly number[], existing: SensitivityResults | undefined): PlanItem[] {
  const macs = downstreamMacsOf(model, groups);
  return groups.map((g) => {
    const table = existing?.points[g.id] ?? {};
    const toMeasure = ratios.filter((r) => {
      const point = table[ratioKey(r)];
      return point === undefined || !isMeasured(point);
    }).length;
    return { group: g.id, cost: Math.round((macs.get(g.id) ?? 0) * toMeasure) };
  });
}
