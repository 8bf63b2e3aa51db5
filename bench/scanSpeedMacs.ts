/**
 * Multiply-accumulates of a sensitivity scan, counted as `prunelens info` counts them
 * (PaddleSlim's flops(): convolutions and Dense), per image:
 *
 * - minimum: what any exact scan must compute. The unpruned network once (the baseline;
 *   with every group's upstream activations kept, it is also all the upstream work), and
 *   for each point the layers downstream of the group's mask point in the PHYSICALLY
 *   pruned model (fewer channels in and out).
 * - fast engine: what it computes. The baseline pass, each group's upstream part (chained
 *   from the previous group's cut when that was cached, from the images after a group that
 *   streamed; nothing for the first group whose cut fits the budget, which the baseline
 *   pass seeds), and for each point the downstream part at full width (masked channels are
 *   zeros, still multiplied).
 * - per point: the straightforward path, the whole masked model per point, plus the baseline;
 *   with the physically pruned model per point, its MACs.
 */
import type * as tf from '@tensorflow/tfjs';
import { summarizeModel } from '../src/core/models/summary';
import { cachedCutBytes, groupCut } from '../src/core/fast/groupParts';
import { exportTrunk } from '../src/core/fast/trunk';
import { buildDependencyGraph, planPruning, pruneModel } from '../src/core/pruning';

export interface ScanMacs {
  readonly perImageFull: number;
  readonly minimum: number;
  readonly fastEngine: number;
  readonly perPoint: number;
  readonly perPointPruned: number;
}

/** Layers whose output depends on a mask applied after the `maskAfter` layers. */
function downstreamLayers(model: tf.LayersModel, maskAfter: readonly string[]): Set<string> {
  const marked = new Set<string>();
  const sources = new Set(maskAfter);
  // model.layers is in topological order for a functional model.
  for (const layer of model.layers) {
    const inbound = layer.inboundNodes.flatMap((n) => n.inboundLayers.map((l) => l.name));
    if (inbound.some((name) => sources.has(name) || marked.has(name))) marked.add(layer.name);
  }
  return marked;
}

/** Which groups' cuts fit the cache budget (cached; the others stream), by group id. */
export function cachedGroups(model: tf.LayersModel, params: readonly string[], images: number, budgetBytes: number): Set<string> {
  const trunk = exportTrunk(model);
  const graph = buildDependencyGraph(model);
  const ids = new Set(params.map((p) => graph.groupForParam(p).id));
  return new Set(graph.groups.filter((g) => ids.has(g.id) && cachedCutBytes(groupCut(trunk, g).bytesPerImage, images, budgetBytes) !== undefined).map((g) => g.id));
}

/**
 * MACs per image of the whole scan of `params` x `ratios` (each group once). `cached`: the
 * groups whose cut fits the budget (cachedGroups); without it every group counts as cached.
 */
export function scanMacs(model: tf.LayersModel, params: readonly string[], ratios: readonly number[], cached?: ReadonlySet<string>): ScanMacs {
  const graph = buildDependencyGraph(model);
  const full = summarizeModel(model);
  const groups = [...new Map(params.map((p) => [graph.groupForParam(p).id, graph.groupForParam(p)])).values()];
  let minimum = full.totalMacs;
  let fastEngine = full.totalMacs;
  let perPointPruned = full.totalMacs;
  let upstreamCovered = new Set<string>();
  const isCached = (id: string): boolean => cached === undefined || cached.has(id);
  const seeded = groups.find((g) => isCached(g.id))?.id;
  for (const group of groups) {
    const down = downstreamLayers(model, group.maskAfter);
    const sumOf = (layers: readonly { name: string; macs: number }[], pick: (name: string) => boolean): number =>
      layers.reduce((s, l) => s + (pick(l.name) ? l.macs : 0), 0);
    // Chained upstream parts: each computes only what the previous group's cut did not cover.
    const upstream = new Set(full.layers.filter((l) => !down.has(l.name)).map((l) => l.name));
    if (group.id !== seeded) fastEngine += sumOf(full.layers, (n) => upstream.has(n) && !upstreamCovered.has(n));
    // A streamed group keeps no cache: the next upstream part starts from the images.
    upstreamCovered = isCached(group.id) ? upstream : new Set();
    for (const ratio of ratios) {
      fastEngine += sumOf(full.layers, (n) => down.has(n));
      const pruned = pruneModel(model, planPruning(model, graph, { [group.id]: ratio }));
      const prunedSummary = summarizeModel(pruned);
      minimum += sumOf(prunedSummary.layers, (n) => down.has(n));
      perPointPruned += prunedSummary.totalMacs;
      pruned.dispose();
    }
  }
  return { perImageFull: full.totalMacs, minimum, fastEngine, perPoint: full.totalMacs * (1 + groups.length * ratios.length), perPointPruned };
}
