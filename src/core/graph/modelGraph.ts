/**
 * The model as the pruner sees it, whatever format it came in: calls of layers (or ONNX
 * nodes) in topological order, the tensors between them with their shapes, and each call's
 * weights with their parameter names. The dependency graph is built over this, so a new
 * model format needs only an adapter (fromTfjs.ts) and registry entries for its classes.
 */
import type { LayerClass, Shape } from '../layers/types';

/** A value between calls. */
export interface GraphTensor {
  readonly id: string;
  /** Batch first (null), channels last for TF.js models. */
  readonly shape: Shape;
  /** The layer whose call produced it (the InputLayer for a model input). */
  readonly producer: string;
}

/** One weight of a layer. */
export interface GraphWeight {
  /** Short name within the layer: `kernel`, `gamma`, `depthwise_kernel`. */
  readonly weight: string;
  /** The parameter name users see and results files use (e.g. `conv2_1_sep_weights`). */
  readonly param: string;
  readonly shape: readonly number[];
}

/** One call of a layer. A layer called twice (shared weights) gives two calls of one name. */
export interface GraphCall {
  /** The layer's name. */
  readonly name: string;
  readonly className: string;
  /** The registry's entry, or undefined for a class PruneLens does not know. */
  readonly entry: LayerClass | undefined;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly GraphTensor[];
  readonly outputs: readonly GraphTensor[];
  readonly weights: readonly GraphWeight[];
}

export interface ModelGraph {
  readonly name: string;
  readonly inputs: readonly GraphTensor[];
  readonly outputs: readonly GraphTensor[];
  /** Producers before consumers. */
  readonly calls: readonly GraphCall[];
  /** Every parameter name in network order (the order groups and results list them in). */
  readonly paramOrder: readonly string[];
}
