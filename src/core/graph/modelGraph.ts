/**
 * The model as the pruner sees it, whatever format it came in: calls of layers (or ONNX
 * nodes) in topological order, the tensors between them with their shapes, and each call's
 * weights with their parameter names. The dependency graph is built over this, so a new
 * model format needs only an adapter (fromTfjs.ts, fromOnnx.ts) and registry entries for
 * its classes.
 */
import type { OpClass, Shape } from '../layers/types';

/** A value between calls. */
export interface GraphTensor {
  readonly id: string;
  /** Batch first (null); channels last for TF.js models, on axis 1 for NCHW ONNX models. */
  readonly shape: Shape;
  /**
   * The axis that carries the channels; absent means the last (TF.js). An ONNX value says
   * where its channels are: 1 for NCHW, 3 after an NHWC Transpose, 1 after a Flatten.
   */
  readonly channelAxis?: number;
  /** The layer whose call produced it (the InputLayer for a model input). */
  readonly producer: string;
}

/** One weight of a layer. */
export interface GraphWeight {
  /** Short name within the layer: `kernel`, `gamma`, `depthwise_kernel`; an ONNX input's spec name (`W`, `B`, `scale`). */
  readonly weight: string;
  /** The parameter name users see and results files use (e.g. `conv2_1_sep_weights`, `layer1.0.conv1.weight`). */
  readonly param: string;
  readonly shape: readonly number[];
}

/** One call of a layer. A layer called twice (shared weights) gives two calls of one name. */
export interface GraphCall {
  /** The layer's name. */
  readonly name: string;
  readonly className: string;
  /** The registry's entry, or undefined for a class PruneLens does not know. */
  readonly entry: OpClass | undefined;
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

/** The axis of `t` that carries its channels (non-negative). */
export function channelAxisOf(t: Pick<GraphTensor, 'shape' | 'channelAxis'>): number {
  return t.channelAxis ?? t.shape.length - 1;
}

/** How many channels `t` carries (0 when its size there is unknown). */
export function channelCountOf(t: Pick<GraphTensor, 'shape' | 'channelAxis'>): number {
  return t.shape[channelAxisOf(t)] ?? 0;
}
