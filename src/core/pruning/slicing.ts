/**
 * From "these channels of these groups go" to "these indices of these weight axes go":
 * the one translation the pruner, the masker and the plan's per-layer table all share.
 */
import { PruneLensError } from '../util/errors';
import type { ParamAxis } from './graphInternals';
import type { ChannelChange, DependencyGraph, LayerChannels, MaskSpec, MemberRole, PrunePlan } from './types';

/** Group index -> the group channels removed from it. */
export type PrunedChannels = ReadonlyMap<number, ReadonlySet<number>>;

/** One weight axis that loses indices. */
export interface AxisCut {
  readonly layer: string;
  readonly layerClass: string;
  readonly weight: string;
  readonly param: string;
  readonly axis: number;
  readonly role: MemberRole;
  readonly kernel: boolean;
  readonly size: number;
  readonly kept: readonly number[];
  readonly removed: readonly number[];
}

/**
 * The plan's pruned channels matched to `graph`'s groups. A plan made for another model
 * (a group missing, or with another channel count) is refused rather than half applied.
 */
export function prunedChannels(graph: DependencyGraph, plan: PrunePlan): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const planned of plan.groups) {
    const g = graph.groups.findIndex((group) => group.id === planned.id);
    const group = graph.groups[g];
    if (group === undefined || group.channels !== planned.channels) {
      const found = group === undefined ? 'it has no such group' : `its group has ${group.channels} channels, the plan ${planned.channels}`;
      throw new PruneLensError(`the pruning plan does not fit model '${graph.modelName}': group '${planned.id}': ${found}`);
    }
    if (planned.pruned.some((c) => !Number.isInteger(c) || c < 0 || c >= group.channels)) {
      throw new PruneLensError(`the pruning plan names channels outside group '${planned.id}' (0..${group.channels - 1})`);
    }
    if (planned.pruned.length > 0 && !group.prunable) {
      throw new PruneLensError(`group '${planned.id}' cannot be pruned: ${group.reason ?? 'unknown reason'}`);
    }
    out.set(g, new Set(planned.pruned));
  }
  return out;
}

function isRemoved(axis: { groupOf: Int32Array; channelOf: Int32Array }, i: number, pruned: PrunedChannels): boolean {
  const g = axis.groupOf[i] as number;
  return g >= 0 && (pruned.get(g)?.has(axis.channelOf[i] as number) ?? false);
}

/** How many indices of an axis (or a layer output) survive pruning `pruned`. */
export function keptCount(axis: { groupOf: Int32Array; channelOf: Int32Array }, pruned: PrunedChannels): number {
  let kept = 0;
  for (let i = 0; i < axis.groupOf.length; i++) if (!isRemoved(axis, i, pruned)) kept++;
  return kept;
}

function cutOf(axis: ParamAxis, pruned: PrunedChannels): AxisCut {
  const kept: number[] = [];
  const removed: number[] = [];
  for (let i = 0; i < axis.groupOf.length; i++) (isRemoved(axis, i, pruned) ? removed : kept).push(i);
  return {
    layer: axis.layer,
    layerClass: axis.layerClass,
    weight: axis.weight,
    param: axis.param,
    axis: axis.axis,
    role: axis.role,
    kernel: axis.kernel,
    size: axis.groupOf.length,
    kept,
    removed,
  };
}

/** Every weight axis that loses at least one index, in network order. */
export function axisCuts(graph: DependencyGraph, pruned: PrunedChannels): AxisCut[] {
  return graph.paramAxes.map((a) => cutOf(a, pruned)).filter((c) => c.removed.length > 0);
}

function change(cut: AxisCut): ChannelChange {
  return { before: cut.size, after: cut.kept.length, kept: cut.kept };
}

/** Per layer: its output channels and input channels before and after, for the plan file. */
export function layerChannelChanges(cuts: readonly AxisCut[]): LayerChannels[] {
  const byLayer = new Map<string, { layerClass: string; out?: ChannelChange; in?: ChannelChange }>();
  for (const cut of cuts) {
    const entry = byLayer.get(cut.layer) ?? { layerClass: cut.layerClass };
    if (cut.role === 'in') entry.in ??= change(cut);
    else entry.out ??= change(cut);
    byLayer.set(cut.layer, entry);
  }
  return [...byLayer.entries()].map(([layer, e]) => ({
    layer,
    layerClass: e.layerClass,
    ...(e.out !== undefined ? { out: e.out } : {}),
    ...(e.in !== undefined ? { in: e.in } : {}),
  }));
}

/** Where to zero activations to mask the channels `pruned` of group `g`. */
export function maskSpecs(graph: DependencyGraph, g: number, pruned: ReadonlySet<number>): MaskSpec[] {
  const only: PrunedChannels = new Map([[g, pruned]]);
  const specs: MaskSpec[] = [];
  for (const point of graph.maskPoints) {
    if (!point.groupOf.includes(g)) continue;
    const zeroed: number[] = [];
    for (let i = 0; i < point.groupOf.length; i++) if (isRemoved(point, i, only)) zeroed.push(i);
    specs.push({ layer: point.layer, channels: point.groupOf.length, zeroed });
  }
  return specs;
}
