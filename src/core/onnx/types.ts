/**
 * The typed in-memory form of an ONNX model that PruneLens reads, analyses, edits and writes
 * back. It holds what analysis and a faithful write-back need (graph interface, nodes,
 * attributes, initializers as typed arrays, opsets, producer, metadata) as plain data, so the
 * passes over it are pure functions from one model to the next. The protobuf messages
 * (schema/onnx_pb.ts) stay inside readOnnx.ts and writeOnnx.ts.
 *
 * Values that ONNX stores as int64 (dims, attribute ints, versions) are JavaScript numbers
 * here: every size a CNN has is far below 2^53. Int64 tensor data stays in BigInt64Array,
 * because Slice bounds use the extremes of the int64 range as "to the end".
 */
import type { AttributeProto } from './schema/onnx_pb';

/** A dimension: a size, or the name of a symbolic size such as "batch". */
export type OnnxDim = number | string;

/** TensorProto.DataType codes PruneLens handles (see ELEMENT_TYPES in tensorData.ts). */
export const OnnxElem = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;
export type OnnxElem = (typeof OnnxElem)[keyof typeof OnnxElem];

/**
 * The array a tensor's elements live in, row-major. FLOAT16 and BFLOAT16 keep their bit
 * patterns in a Uint16Array and BOOL is one byte per element, as ONNX stores them.
 */
export type OnnxTensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A constant tensor: an initializer, or the value of a Constant node or tensor attribute. */
export interface OnnxIrTensor {
  readonly name: string;
  readonly dataType: OnnxElem;
  readonly dims: readonly number[];
  readonly data: OnnxTensorArray;
}

/**
 * A graph input or output. `shape` undefined means the rank is unknown; a string dim is a
 * symbolic size ("batch"), and a dim the file leaves unset reads as "?".
 */
export interface OnnxIrValue {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly OnnxDim[] | undefined;
}

/**
 * A node attribute. Kinds PruneLens never interprets (sub-graphs, sparse tensors, type
 * protos) are carried as their protobuf message so that writing the model back keeps them.
 */
export type OnnxIrAttribute =
  | { readonly name: string; readonly kind: 'int'; readonly value: number }
  | { readonly name: string; readonly kind: 'float'; readonly value: number }
  | { readonly name: string; readonly kind: 'string'; readonly value: string }
  | { readonly name: string; readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly name: string; readonly kind: 'tensor'; readonly value: OnnxIrTensor }
  | { readonly name: string; readonly kind: 'other'; readonly proto: AttributeProto };

export interface OnnxIrNode {
  /** The node's name as the exporter wrote it ("/layer1/layer1.0/conv1/Conv"); may be empty in the file. */
  readonly name: string;
  readonly opType: string;
  /** "" (or "ai.onnx") for the standard operators. */
  readonly domain: string;
  /** Value names; "" marks an optional input that is left out. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxIrAttribute[];
}

/** One graph. Nodes are in the file's order, which ONNX requires to be topological. */
export interface OnnxIrGraph {
  readonly name: string;
  readonly docString: string;
  readonly nodes: readonly OnnxIrNode[];
  readonly initializers: readonly OnnxIrTensor[];
  /** The inputs a caller feeds (initializers a file also lists as inputs are left out). */
  readonly inputs: readonly OnnxIrValue[];
  readonly outputs: readonly OnnxIrValue[];
}

export interface OnnxOpsetImport {
  readonly domain: string;
  readonly version: number;
}

export interface OnnxMetadataEntry {
  readonly key: string;
  readonly value: string;
}

export interface OnnxIrModel {
  /** The file the model was read from, for error messages; undefined for bytes from memory. */
  readonly file: string | undefined;
  readonly irVersion: number;
  readonly opsetImports: readonly OnnxOpsetImport[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: number;
  readonly docString: string;
  /** The model's metadata_props, in file order. */
  readonly metadata: readonly OnnxMetadataEntry[];
  readonly graph: OnnxIrGraph;
}

/** Static type and shape of one value, as shape inference finds it. */
export interface OnnxValueShape {
  readonly elemType: number;
  /** Undefined when the rank cannot be known statically. */
  readonly shape: readonly OnnxDim[] | undefined;
}

/** The version of the standard operator set ("" or "ai.onnx") a model imports. */
export function defaultOpset(model: Pick<OnnxIrModel, 'opsetImports'>): number | undefined {
  return model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
}

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
