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
import { summarizeModel } from '../models/summary';
import type { ChannelGroup } from '../pruning';
import type { PlanItem } from './shardPlan';

/** Layer name -> the layers that take its output as an input. */
function consumersOf(model: tf.LayersModel): Map<string, Set<string>> {
  const consumers = new Map<string, Set<string>>();
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) {
      for (const source of node.inboundLayers) {
        const set = consumers.get(source.name) ?? new Set<string>();
        set.add(layer.name);
        consumers.set(source.name, set);
      }
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
export function downstreamMacsOf(model: tf.LayersModel, groups: readonly ChannelGroup[]): Map<string, number> {
  const consumers = consumersOf(model);
  const macsByLayer = new Map(summarizeModel(model, { onlyConv: true }).layers.map((l) => [l.name, l.macs]));
  return new Map(groups.map((g) => [g.id, downstreamMacs(g, consumers, macsByLayer)]));
}

/**
 * The plan items for `groups` (prunable, in network order): downstream MACs times the ratios
 * of `ratios` that `existing` (the results file before the split) has not measured (an
 * early-stop marker counts as not measured: a scan without early stop measures it). A group
 * with every point already there costs 0 and still gets a place, so its points travel in
 * one shard's file.
 */
export function planItems(model: tf.LayersModel, groups: readonly ChannelGroup[], ratios: readonly number[], existing: SensitivityResults | undefined): PlanItem[] {
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
