/**
 * The index-level maps a dependency graph carries for the planner, the pruner and the
 * masker. A ChannelGroup describes a group for people; these say, for every index of
 * every coupled weight axis and masked activation, which group and which of the group's
 * channels it belongs to.
 */
import type { MemberRole } from './types';

/** One coupled axis of one weight. */
export interface ParamAxis {
  /** PaddleSlim-style parameter name. */
  readonly param: string;
  readonly layer: string;
  readonly layerClass: string;
  /** The weight's TF.js name without the layer, e.g. `kernel`, `gamma`. */
  readonly weight: string;
  readonly axis: number;
  readonly role: MemberRole;
  /** A kernel whose output channels its layer creates or runs through (not a BN weight or bias). */
  readonly kernel: boolean;
  /** For each index along the axis: the index of its group in `graph.groups`, or -1. */
  readonly groupOf: Int32Array;
  /** For each index: its channel within that group, or -1. */
  readonly channelOf: Int32Array;
}

/** A layer output that a consumer reads: zeroing it there masks the channels. */
export interface MaskPoint {
  readonly layer: string;
  readonly groupOf: Int32Array;
  readonly channelOf: Int32Array;
}

/** A BatchNormalization-like layer and the short name of its scale weight (`gamma`). */
export interface BatchNormAfter {
  readonly layer: string;
  readonly scale: string;
}

export interface DependencyGraphInternals {
  readonly paramAxes: readonly ParamAxis[];
  readonly maskPoints: readonly MaskPoint[];
  /** Every layer call's output, index by index: which group and channel each channel of it is. */
  readonly layerOutputs: readonly MaskPoint[];
  /** Conv2D / Dense / DepthwiseConv2D layer -> the BatchNormalization that reads its output, and its scale weight. */
  readonly bnAfter: ReadonlyMap<string, BatchNormAfter>;
}
