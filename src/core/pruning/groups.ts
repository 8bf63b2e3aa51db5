/**
 * Turns coupled channel elements (channelUniverse.ts) into the ChannelGroups users see:
 * one group per connected set of channel spaces that some kernel produces or runs
 * through, with its channels numbered, its members listed, and the reason it cannot be
 * pruned when something in it is fixed (the model input or output, an opaque layer).
 */
import { closestNames } from '../models/closestNames';
import type { ModelGraph } from '../graph/modelGraph';
import { listed } from '../../shared/format';
import { UsageError } from '../util/errors';
import type { ChannelUniverse, Layout } from './channelUniverse';
import type { BatchNormAfter, MaskPoint, ParamAxis } from './graphInternals';
import type { ChannelGroup, DependencyGraph, GroupMember, MemberRole } from './types';

export interface Coupling {
  readonly param: string;
  readonly layer: string;
  readonly layerClass: string;
  readonly weight: string;
  readonly axis: number;
  readonly role: MemberRole;
  /** A kernel whose output channels the layer creates or runs through (the registry's `outChannels`). */
  readonly kernel: boolean;
  readonly layout: Layout;
}

export interface LayerOutput {
  readonly layer: string;
  readonly layout: Layout;
}

export interface RawMaskPoint {
  readonly layer: string;
  readonly layout: Layout;
}

export interface RawGraph {
  readonly couplings: readonly Coupling[];
  readonly outputs: readonly LayerOutput[];
  readonly maskPoints: readonly RawMaskPoint[];
  readonly bnAfter: ReadonlyMap<string, BatchNormAfter>;
}

/** A kernel that creates a group's channels or (depthwise) runs through them. */
function isGroupKernel(c: Coupling): boolean {
  return c.kernel && c.role !== 'in';
}

const MAX_REASONS = 3;

interface Component {
  readonly root: number;
  readonly params: string[];
  /** The layout channels are numbered by first: the first kernel's channels. */
  firstLayout: Layout | undefined;
  firstOrder: number;
}

class Numbering {
  readonly groupOfRoot = new Map<number, number>();
  readonly channelOfClass = new Map<number, number>();
  readonly channels: number[] = [];

  constructor(private readonly universe: ChannelUniverse) {}

  group(element: number): number {
    return this.groupOfRoot.get(this.universe.spaceRoot(this.universe.spaceOf(element))) ?? -1;
  }

  channel(element: number): number {
    return this.channelOfClass.get(this.universe.find(element)) ?? -1;
  }

  /** Numbers the classes of `layout` in order, continuing group `g`'s numbering. */
  number(layout: Layout, g: number): void {
    for (const e of layout) {
      const cls = this.universe.find(e);
      if (this.channelOfClass.has(cls)) continue;
      this.channelOfClass.set(cls, this.channels[g] ?? 0);
      this.channels[g] = (this.channels[g] ?? 0) + 1;
    }
  }

  maps(layout: Layout): { groupOf: Int32Array; channelOf: Int32Array } {
    return { groupOf: layout.map((e) => this.group(e)), channelOf: layout.map((e) => this.channel(e)) };
  }
}

function components(universe: ChannelUniverse, couplings: readonly Coupling[], order: ReadonlyMap<string, number>): Component[] {
  const byRoot = new Map<number, Component>();
  for (const c of couplings.filter(isGroupKernel)) {
    for (const e of c.layout) {
      const root = universe.spaceRoot(universe.spaceOf(e));
      let comp = byRoot.get(root);
      if (comp === undefined) {
        comp = { root, params: [], firstLayout: undefined, firstOrder: Infinity };
        byRoot.set(root, comp);
      }
      if (!comp.params.includes(c.param)) comp.params.push(c.param);
      const rank = order.get(c.param) ?? Infinity;
      if (rank < comp.firstOrder) {
        comp.firstOrder = rank;
        comp.firstLayout = c.layout;
      }
    }
  }
  const list = [...byRoot.values()].sort((a, b) => a.firstOrder - b.firstOrder);
  for (const comp of list) comp.params.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return list;
}

function membersOf(couplings: readonly Coupling[], axes: readonly ParamAxis[], g: number): GroupMember[] {
  const members: GroupMember[] = [];
  couplings.forEach((c, i) => {
    const groupOf = axes[i]?.groupOf;
    if (groupOf === undefined) return;
    const offset = groupOf.indexOf(g);
    if (offset < 0) return;
    const count = groupOf.reduce((n, x) => (x === g ? n + 1 : n), 0);
    members.push({ layer: c.layer, layerClass: c.layerClass, param: c.param, axis: c.axis, role: c.role, offset, count });
  });
  return members;
}

/** The distinct reasons `reasonOf` gives for the elements of every space in component `root`. */
function reasonsIn(universe: ChannelUniverse, root: number, reasonOf: (element: number) => string | undefined): string[] {
  const reasons = new Set<string>();
  universe.spaces.forEach((space, index) => {
    if (universe.spaceRoot(index) !== root) return;
    for (let e = space.start; e < space.start + space.size; e++) {
      const reason = reasonOf(e);
      if (reason !== undefined) reasons.add(reason);
    }
  });
  return [...reasons];
}

function layersCarrying(list: readonly { layer: string; layout: Layout }[], numbering: Numbering, g: number): string[] {
  const names: string[] = [];
  for (const { layer, layout } of list) {
    if (!names.includes(layer) && layout.some((e) => numbering.group(e) === g)) names.push(layer);
  }
  return names;
}

/** Param name -> group index: kernels by their group, other weights when they follow exactly one. */
function paramLookup(groups: readonly ChannelGroup[], axes: readonly ParamAxis[]): Map<string, number> {
  const lookup = new Map<string, number>();
  groups.forEach((group, g) => group.params.forEach((p) => lookup.set(p, g)));
  for (const axis of axes) {
    if (axis.role === 'in' || lookup.has(axis.param)) continue;
    const found = new Set(axis.groupOf.filter((g) => g >= 0));
    const only = [...found][0];
    if (found.size === 1 && only !== undefined) lookup.set(axis.param, only);
  }
  return lookup;
}

export function assembleGraph(model: ModelGraph, universe: ChannelUniverse, raw: RawGraph): DependencyGraph {
  const order = new Map(model.paramOrder.map((p, i) => [p, i]));
  const comps = components(universe, raw.couplings, order);
  const numbering = new Numbering(universe);
  comps.forEach((comp, g) => numbering.groupOfRoot.set(comp.root, g));
  comps.forEach((comp, g) => {
    if (comp.firstLayout !== undefined) numbering.number(comp.firstLayout, g);
    universe.spaces.forEach((space, index) => {
      if (universe.spaceRoot(index) !== comp.root) return;
      const layout = new Int32Array(space.size).map((_, i) => space.start + i);
      numbering.number(layout, g);
    });
  });
  const paramAxes: ParamAxis[] = raw.couplings.map((c) => ({
    param: c.param,
    layer: c.layer,
    layerClass: c.layerClass,
    weight: c.weight,
    axis: c.axis,
    role: c.role,
    kernel: c.kernel,
    ...numbering.maps(c.layout),
  }));
  const maskPoints: MaskPoint[] = raw.maskPoints.map((m) => ({ layer: m.layer, ...numbering.maps(m.layout) }));
  const layerOutputs: MaskPoint[] = raw.outputs.map((o) => ({ layer: o.layer, ...numbering.maps(o.layout) }));
  const groups: ChannelGroup[] = comps.map((comp, g) => {
    const reasons = reasonsIn(universe, comp.root, (e) => universe.blockReason(e));
    const shown = listed(reasons, MAX_REASONS);
    const unmaskable = reasonsIn(universe, comp.root, (e) => universe.unmaskableReason(e));
    return {
      id: comp.params[0] ?? `group${g}`,
      params: comp.params,
      channels: numbering.channels[g] ?? 0,
      prunable: reasons.length === 0,
      ...(reasons.length > 0 ? { reason: shown } : {}),
      maskExact: unmaskable.length === 0,
      ...(unmaskable.length > 0 ? { maskNote: unmaskable.join('; ') } : {}),
      members: membersOf(raw.couplings, paramAxes, g),
      layers: layersCarrying(raw.outputs, numbering, g),
      maskAfter: layersCarrying(raw.maskPoints, numbering, g),
    };
  });
  const lookup = paramLookup(groups, paramAxes);
  return {
    modelName: model.name,
    groups,
    paramAxes,
    maskPoints,
    layerOutputs,
    bnAfter: raw.bnAfter,
    groupForParam(name: string): ChannelGroup {
      const g = lookup.get(name);
      const group = g === undefined ? undefined : groups[g];
      if (group !== undefined) return group;
      const hint = closestNames(name, [...lookup.keys()], 5);
      const known = order.has(name) ? `parameter '${name}' has no channels the pruner can group` : `unknown parameter '${name}' in model '${model.name}'`;
      throw new UsageError(`${known}${hint.length > 0 ? `; closest known: ${hint.join(', ')}` : ''}`);
    },
  };
}
