/**
 * What PruneLens knows about one layer class, in one place (docs/architecture.md, "Adding a
 * layer class"). The dependency graph, the pruner, the MAC counts and FLOPs model, the ONNX
 * exporter, parameter naming and the language server's facts all read these entries; no
 * other code asks a layer for its class name and decides by it.
 */
import type { LayerConverter } from '../eval/exportTypes';
import type { Layout } from '../pruning/channelUniverse';
import type { MemberRole } from '../pruning/types';

export type Shape = readonly (number | null)[];

/**
 * What a channel rule sees of one call of a layer and what it may do: read the channel
 * layouts of its inputs, create the layer's own channels, couple weight axes to layouts,
 * merge layouts (an Add), or block them with a reason.
 */
export interface RuleContext {
  /** The layer's name, for reasons. */
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly Layout[];
  readonly inputShapes: readonly Shape[];
  /** The axis that carries the channels of each input (the last for TF.js, 1 for NCHW ONNX). */
  readonly channelAxes: readonly number[];
  readonly outputShapes: readonly Shape[];
  /** The layer's own new channels; a layer called twice gets the same ones. */
  ownSpace(size: number): Layout;
  /** Shape of the layer's weight `weight` (`kernel`, `gamma`, ...), if it has one. */
  weightShape(weight: string): readonly number[] | undefined;
  /** Couples axis `axis` of weight `weight` to the channels in `layout`. */
  couple(weight: string, axis: number, layout: Layout, role: MemberRole): void;
  union(a: Layout, b: Layout): void;
  block(layout: Layout, reason: string): void;
  /**
   * Says that zeroing these channels is not the same as removing them (the layer computes
   * statistics over the channels): such a group is measured on the pruned model itself.
   */
  unmaskable(layout: Layout, reason: string): void;
  /** Blocks every input and returns fixed outputs: the rule gives up on this layer. */
  opaque(why?: string): Layout[];
}

/** How channels flow through a layer: the layouts of its outputs from those of its inputs. */
export type ChannelRule = (ctx: RuleContext) => Layout[];

/** What the pruner needs to know of one of a class's weights, whatever the model format. */
export interface WeightRole {
  /**
   * For the kernel whose output channels a sensitivity scan prunes (a conv's `kernel`, a
   * depthwise conv's `depthwise_kernel`): its output channel count from its shape.
   */
  readonly outChannels?: (shape: readonly number[], config?: Readonly<Record<string, unknown>>) => number | undefined;
  /** True for the kernels `prunelens params` lists and a scan analyses (convolutions). */
  readonly analysable?: boolean;
}

/** One of a TF.js layer class's weights. */
export interface WeightFacet extends WeightRole {
  /** Suffix of its PaddleSlim-style parameter name: `conv1` + `_weights`. */
  readonly suffix: string;
}

/** One call of a layer as the MAC count sees it. */
export interface MacsCall {
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Shapes of the layer's weights by short name. */
  readonly weights: ReadonlyMap<string, readonly number[]>;
}

/** A weight axis, by the weight's short name. */
export interface AxisRef {
  readonly weight: string;
  readonly axis: number;
}

/**
 * Part of a call's multiply-accumulates, with the weights behind it and the weight axes
 * whose kept fractions scale it when channels are pruned (src/shared/flops.ts).
 */
export interface MacsTerm {
  readonly macs: number;
  readonly params: number;
  readonly scaledBy: readonly AxisRef[];
}

export interface MacsFacet {
  /** The MACs PaddleSlim's `flops()` counts by default (convolutions and Dense). */
  readonly counted: (call: MacsCall) => MacsTerm[];
  /** What `only_conv=False` adds: pooling windows, normalisation and activations. */
  readonly elementwise?: (call: MacsCall) => number;
}

/** How the ONNX exporter handles the class. */
export type OnnxFacet =
  | {
      readonly convert: LayerConverter;
      /** A conv that takes a following BatchNormalization (and activation layer) into itself. */
      readonly absorbs?: boolean;
      /** A layer that a conv before it can take in: a BatchNormalization, or an activation. */
      readonly foldable?: 'batchNorm' | 'activation';
    }
  | { readonly unsupported: string };

/**
 * What the dependency graph, the MAC count and the describe job know of one kind of call,
 * whatever the model format: a TF.js layer class (LayerClass below) or an ONNX operator
 * (src/core/layers/onnx/types.ts). Generic code reads only these facets.
 */
export interface OpClass {
  /** The TF.js class name (model.json's `class_name`) or the ONNX op type. */
  readonly className: string;
  /** One line for hover and docs/models.md: what pruning does to (or with) the layer. */
  readonly pruning: string;
  readonly channels: ChannelRule;
  /** Weights by their short name; a class without weights has none. */
  readonly weights: Readonly<Record<string, WeightRole>>;
  readonly macs: MacsFacet;
  /**
   * A BatchNormalization-like layer: `bn_scale` ranks the channels of the layer before it by
   * the weight named here (its gamma), and training re-estimates its statistics.
   */
  readonly normalizes?: { readonly scale: string };
  /**
   * A layer whose output no longer has the channels on an axis of their own (Flatten): a
   * mask for the channels it carries goes on its input instead.
   */
  readonly masksOnInput?: boolean;
  /** The model's input: it brings the image's channels, which nothing prunes. */
  readonly input?: boolean;
  /** Its output is a probability distribution (a Softmax layer); a fused `activation: softmax` says so for any class. */
  readonly probabilities?: boolean;
}

/** A TF.js layer class: the format-neutral facets plus naming, the width setting and the ONNX export. */
export interface LayerClass extends OpClass {
  /** Weights by their short name (`kernel`, `gamma`), with their parameter-name suffixes. */
  readonly weights: Readonly<Record<string, WeightFacet>>;
  /** The config setting that holds the output channel count, which physical pruning rewrites. */
  readonly width?: string;
  /**
   * For a layer without a kernel whose config still spells out its channel count (a Reshape's
   * target shape): sets it to `channels` in a copied config when pruning changes it.
   */
  readonly resize?: (config: Record<string, unknown>, channels: number) => void;
  /**
   * Config TF.js's getConfig leaves out but the weights imply (SeparableConv2D's
   * depthMultiplier): put back when a model is rebuilt or saved, so it loads as it was.
   */
  readonly configFromWeights?: (weights: ReadonlyMap<string, readonly number[]>) => Record<string, unknown>;
  readonly onnx: OnnxFacet;
}
