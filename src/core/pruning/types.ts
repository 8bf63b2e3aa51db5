/**
 * The pruning contract: what a dependency graph, a channel group and a pruning plan are.
 * The sensitivity scan, the CLI and the plan file all speak in these types, so they live
 * in one place. Parameter names are PaddleSlim-style (see src/core/models/naming.ts).
 */
import type { DependencyGraphInternals } from './graphInternals';

/** How channels are ranked; the lowest scores are pruned first. */
export { CRITERIA, type Criterion } from '../../shared/vocabulary';
import type { Criterion } from '../../shared/vocabulary';

/**
 * How one weight axis takes part in a group:
 * - `out`: the output channels of a Conv2D or Dense kernel (and its bias), the layers that
 *   create the group's channels;
 * - `channel`: a weight that follows the channels one-to-one (BatchNormalization, a
 *   DepthwiseConv2D's kernel and bias);
 * - `in`: the input channels of the Conv2D or Dense that consumes the group (rows of a
 *   Dense after Flatten: one per channel and spatial position).
 */
export type MemberRole = 'out' | 'channel' | 'in';

/** One weight axis coupled to a group, for documentation and hover text. */
export interface GroupMember {
  readonly layer: string;
  readonly layerClass: string;
  /** PaddleSlim-style parameter name, e.g. `conv2_1_sep_bn_scale`. */
  readonly param: string;
  readonly axis: number;
  readonly role: MemberRole;
  /** First index along `axis` that belongs to the group (non-zero after a Concatenate). */
  readonly offset: number;
  /** How many indices along `axis` belong to the group (channels x positions after Flatten). */
  readonly count: number;
}

export interface ChannelGroup {
  /** The group's first parameter in network order, e.g. `conv2_1_sep_weights`. */
  readonly id: string;
  /**
   * The Conv2D, DepthwiseConv2D and Dense kernels whose OUTPUT channels are this group, in
   * network order: one conv for a plain chain, every conv feeding a residual Add, and the
   * depthwise convs the group runs through (`conv2_2_dw_weights` is in the group of
   * `conv2_1_sep_weights`).
   */
  readonly params: readonly string[];
  /** Channels in the group; channel i is output channel i of the group's first kernel. */
  readonly channels: number;
  readonly prunable: boolean;
  /** Why the group cannot be pruned, naming the layer and its class; only when not prunable. */
  readonly reason?: string;
  /**
   * Whether zeroing the group's channels computes what removing them does. Not so when they
   * reach a normalisation over the channels (LayerNormalization): then a scan measures the
   * physically pruned model, and `maskNote` says why.
   */
  readonly maskExact: boolean;
  readonly maskNote?: string;
  /** Every coupled weight axis. */
  readonly members: readonly GroupMember[];
  /** Every layer whose output carries the group's channels, in network order. */
  readonly layers: readonly string[];
  /**
   * Layers after whose output the group's channels must be zeroed to mask them: the tensors
   * the group's consumers (next Conv2D, Dense) read, taken before a Flatten so that the
   * channel is the last axis. Zeroing earlier is not enough: a BatchNormalization's shift
   * makes a zeroed channel non-zero again.
   */
  readonly maskAfter: readonly string[];
}

export interface DependencyGraph extends DependencyGraphInternals {
  readonly modelName: string;
  /** Groups in network order of their first parameter. */
  readonly groups: readonly ChannelGroup[];
  /**
   * The group of a parameter: a kernel's output channels, or the one group a bias or
   * BatchNormalization weight follows. An unknown name is a UsageError listing close names.
   */
  groupForParam(name: string): ChannelGroup;
}

/** Where to zero one layer's output (last axis) to mask a planned group. */
export interface MaskSpec {
  readonly layer: string;
  /** Length of the layer output's last axis. */
  readonly channels: number;
  /** Indices along that axis to zero, ascending. */
  readonly zeroed: readonly number[];
}

export interface PlannedGroup {
  readonly id: string;
  readonly params: readonly string[];
  readonly channels: number;
  readonly ratio: number;
  /** Group channel indices kept and pruned, each ascending. */
  readonly kept: readonly number[];
  readonly pruned: readonly number[];
  /** Where to zero activations so that a masked model computes what the pruned one does. */
  readonly masks: readonly MaskSpec[];
}

/** Channels of one weight-carrying layer before and after pruning. */
export interface ChannelChange {
  readonly before: number;
  readonly after: number;
  /** Kept indices along the axis, ascending. */
  readonly kept: readonly number[];
}

export interface LayerChannels {
  readonly layer: string;
  readonly layerClass: string;
  /** Output channels (Conv2D filters, Dense units, BN and depthwise channels). */
  readonly out?: ChannelChange;
  /** Input channels of a Conv2D, or input rows of a Dense. */
  readonly in?: ChannelChange;
}

export interface PrunePlan {
  readonly modelName: string;
  readonly criterion: Criterion;
  readonly roundTo: number;
  /** The ratios as asked for, by parameter. */
  readonly ratios: Readonly<Record<string, number>>;
  /** One entry per group a ratio was given for, in network order. */
  readonly groups: readonly PlannedGroup[];
  /** Every layer that loses channels, in network order. */
  readonly layers: readonly LayerChannels[];
}

/**
 * A model's weight values by layer and short weight name, whatever its format: what the
 * importance criteria read. A TF.js LayersModel is read directly (importance.ts); other
 * formats give one of these (src/core/models/modelHandle.ts).
 */
export interface WeightReader {
  readonly name: string;
  weightValues(layer: string, weight: string): { readonly values: Float32Array; readonly shape: readonly number[] };
}

export interface PlanOptions {
  readonly criterion?: Criterion;
  /** Keep a multiple of this many channels in every pruned group (default 1). */
  readonly roundTo?: number;
}
