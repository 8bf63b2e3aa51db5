/**
 * Planning: which channels of which groups go, for ratios given per parameter. Nothing
 * is changed here; pruneModel and maskModel apply a plan.
 */
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError, UsageError } from '../util/errors';
import { groupImportance } from './importance';
import { axisCuts, layerChannelChanges, maskSpecs } from './slicing';
import type { Criterion, DependencyGraph, PlannedGroup, PlanOptions, PrunePlan, WeightReader } from './types';
import { CRITERIA } from './types';
import { prunedChannelCount } from '../../shared/flops';

// One implementation of the channel count, shared with the FLOPs estimate the webview runs.
export { prunedChannelCount };

export function checkRatio(param: string, ratio: unknown): number {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio >= 1) {
    throw new UsageError(`ratio for '${param}' must be a number in [0, 1), got ${JSON.stringify(ratio)}`);
  }
  return ratio;
}

function checkOptions(opts: PlanOptions): { criterion: Criterion; roundTo: number } {
  const criterion = opts.criterion ?? 'l1_norm';
  if (!CRITERIA.includes(criterion)) throw new UsageError(`unknown criterion '${String(criterion)}'; known: ${CRITERIA.join(', ')}`);
  const roundTo = opts.roundTo ?? 1;
  if (!Number.isSafeInteger(roundTo) || roundTo < 1) throw new UsageError(`round-to must be a positive integer, got ${roundTo}`);
  return { criterion, roundTo };
}

/** The lowest `count` scores' channels (ties: the lower channel index goes first). */
function lowest(scores: Float64Array, count: number): Set<number> {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
  return new Set(order.slice(0, count));
}

/** Ratio per group index, refusing two different ratios for parameters of one group. */
function ratiosByGroup(graph: DependencyGraph, ratios: Readonly<Record<string, number>>): Map<number, { ratio: number; param: string }> {
  const byGroup = new Map<number, { ratio: number; param: string }>();
  for (const [param, raw] of Object.entries(ratios)) {
    const ratio = checkRatio(param, raw);
    const g = graph.groups.indexOf(graph.groupForParam(param));
    const earlier = byGroup.get(g);
    if (earlier !== undefined && earlier.ratio !== ratio) {
      throw new UsageError(`'${param}' (ratio ${ratio}) and '${earlier.param}' (ratio ${earlier.ratio}) are pruned together as one group; give them one ratio`);
    }
    byGroup.set(g, { ratio, param });
  }
  return byGroup;
}

/**
 * Plans pruning `model` by `ratios` ({parameter: ratio}). A ratio outside [0, 1) or an
 * unknown parameter is a UsageError; a non-zero ratio for a group the pruner cannot prune
 * is a PruneLensError naming the layer and class that stop it.
 */
export function planPruning(
  model: tf.LayersModel | WeightReader,
  graph: DependencyGraph,
  ratios: Readonly<Record<string, number>>,
  opts: PlanOptions = {},
): PrunePlan {
  const { criterion, roundTo } = checkOptions(opts);
  const byGroup = ratiosByGroup(graph, ratios);
  const pruned = new Map<number, Set<number>>();
  const groups: PlannedGroup[] = [];
  for (const g of [...byGroup.keys()].sort((a, b) => a - b)) {
    const group = graph.groups[g];
    const asked = byGroup.get(g);
    if (group === undefined || asked === undefined) continue;
    if (asked.ratio > 0 && !group.prunable) {
      throw new PruneLensError(`cannot prune '${asked.param}': ${group.reason ?? 'its group is not prunable'}`);
    }
    const count = prunedChannelCount(group.channels, asked.ratio, roundTo);
    const removed = count > 0 ? lowest(groupImportance(model, graph, g, criterion), count) : new Set<number>();
    pruned.set(g, removed);
    const all = Array.from({ length: group.channels }, (_, c) => c);
    groups.push({
      id: group.id,
      params: group.params,
      channels: group.channels,
      ratio: asked.ratio,
      kept: all.filter((c) => !removed.has(c)),
      pruned: all.filter((c) => removed.has(c)),
      masks: maskSpecs(graph, g, removed),
    });
  }
  const cuts = axisCuts(graph, pruned);
  // Only an Add after a Concatenate can empty one producer while its group keeps channels.
  const emptied = cuts.find((c) => c.role === 'out' && c.kept.length === 0);
  if (emptied !== undefined) {
    throw new PruneLensError(`pruning would remove every output channel of layer '${emptied.layer}' (${emptied.layerClass}); use a smaller ratio`);
  }
  return { modelName: model.name, criterion, roundTo, ratios: { ...ratios }, groups, layers: layerChannelChanges(cuts) };
}
