/**
 * The baseline pass seeds one group's cache. The unpruned network's pass over the dataset
 * (the baseline) goes through every group's cut: at all-ones masks the values there are
 * the unpruned activations the group's upstream part would compute. So the baseline pass
 * also outputs the cut of one group that is still to be scanned, and that group's
 * upstream pass costs nothing.
 *
 * Which group: the first, in the scan's order, whose cut for the whole dataset fits the
 * cache budget. Every group before it streams (its cut does not fit), keeps no cache, and
 * leaves the next group to start its upstream pass from the images: at 224x224 that is
 * most of the chained upstream work (MobileNetV2: the pass up to its 28x28 stage, about two
 * thirds of a pass over the network). The seeded cache is the only one alive while those
 * groups stream, so the cut activations stay within twice the budget as before.
 */
import type { OnnxGraph } from '../eval/onnxProto';
import type { ChannelGroup } from '../pruning';
import { cachedCutBytes, groupCut, valueInfo } from './groupParts';
import type { Trunk } from './trunk';

export interface SeededCut {
  readonly group: string;
  /** The cut's values, the images excluded. */
  readonly names: readonly string[];
  /** The cut for the whole dataset. */
  readonly bytes: number;
}

/** The group the baseline pass seeds among `groups` (scan order), or undefined when no cut fits. */
export function chooseSeededCut(trunk: Trunk, groups: readonly ChannelGroup[], images: number, cacheBytes: number): SeededCut | undefined {
  for (const group of groups) {
    if (!group.maskExact) continue;
    const cut = groupCut(trunk, group);
    const bytes = cachedCutBytes(cut.bytesPerImage, images, cacheBytes);
    if (bytes !== undefined) return { group: group.id, names: cut.cut.filter((v) => v !== trunk.inputName), bytes };
  }
  return undefined;
}

/** The unmasked trunk with the seeded cut's values as extra outputs. */
export function trunkWithCut(trunk: Trunk, seeded: SeededCut): OnnxGraph {
  const extra = seeded.names.filter((name) => !trunk.graph.outputs.some((o) => o.name === name)).map((name) => valueInfo(trunk, name));
  return { ...trunk.graph, outputs: [...trunk.graph.outputs, ...extra] };
}
