/**
 * What PruneLens knows about one ONNX operator, in one place, like a TF.js layer class
 * (../types.ts): its channel rule, its weights (which inputs they are, and what PyTorch
 * calls them), its MACs, where the channels of its outputs are, how physical pruning
 * rewrites the node, and how it is imported into TF.js for training. The ONNX model graph
 * (src/core/graph/fromOnnx.ts), the dependency graph, the MAC summary, the ONNX pruner and
 * the importer read only these entries (docs/architecture.md, "Adding an ONNX op").
 *
 * Evaluation needs no facet: ONNX Runtime runs the node as exported.
 */
import type { OnnxDim } from '../../onnx/types';
import type { OpClass, Shape, WeightRole } from '../types';
import type { TfjsImportFacet } from './importTypes';

/** One of an op's weights: an input that is a float initializer. */
export interface OnnxWeightFacet extends WeightRole {
  /** The input's position in the node (the ONNX spec's order). */
  readonly input: number;
  /**
   * The last part of PyTorch's state_dict key for it (`weight`, `bias`, `running_mean`),
   * used to name an initializer the exporter left without one (`onnx::Conv_46`, a conv
   * with BatchNorm folded in) from the node's module path (`layer1.0.conv1.weight`).
   */
  readonly stateDict?: string;
  /**
   * An operand of an elementwise op: a weight when it has a value per channel to slice; a
   * single value (`x * 0.5`) is a constant of the op, read into its config.
   */
  readonly operand?: boolean;
}

/** What the channel-axis facet sees of a node. */
export interface AxisContext {
  readonly config: Readonly<Record<string, unknown>>;
  /** The channel axis of each tensor input (constants are not inputs here). */
  readonly inputAxes: readonly number[];
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
}

/** What a rewrite sees of a node whose inputs lost channels. */
export interface OnnxRewriteContext {
  readonly config: Readonly<Record<string, unknown>>;
  /** The dims of every input position (weights and constants included) before pruning; undefined for an absent input. */
  readonly before: readonly (readonly OnnxDim[] | undefined)[];
  /** The same after pruning (weights sliced, the producers' outputs narrowed). */
  readonly after: readonly (readonly OnnxDim[] | undefined)[];
}

/** Changes to a node after pruning: int attributes to set, and constant inputs (by position) to replace. */
export interface OnnxRewrite {
  readonly ints?: Readonly<Record<string, number>>;
  readonly constants?: ReadonlyMap<number, readonly number[]>;
}

export interface OnnxOpClass extends OpClass {
  /** The op type, as the node's `op_type` says. */
  readonly className: string;
  /**
   * The spec's names of the inputs, in order. A constant input that is not a weight
   * (Reshape's `shape`, Clip's `min`) is read into the call's config under its name, next
   * to the attributes, so rules see `config['shape']` whether it was an attribute (old
   * opsets) or an input.
   */
  readonly inputs: readonly string[];
  /** Weights by their spec input name (`W`, `B`, `scale`). */
  readonly weights: Readonly<Record<string, OnnxWeightFacet>>;
  /** The channel axis of the output (default: the first input's). */
  readonly channelAxis?: (ctx: AxisContext) => number;
  /** What physical pruning changes in the node besides slicing its weights (Conv's `group`, a Reshape's target). */
  readonly rewrite?: (ctx: OnnxRewriteContext) => OnnxRewrite | undefined;
  /** How the node becomes TF.js layers for training, or why it cannot. */
  readonly tfjs: TfjsImportFacet;
}
