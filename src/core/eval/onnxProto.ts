/**
 * Plain TypeScript descriptions of the ONNX messages the exporter emits, and their
 * protobuf encoding. Field numbers follow onnx/onnx.proto (proto2; IR version 8, opset 13).
 * Only the fields we use are modelled; everything else is left at its default.
 */
import { float32LittleEndian, int64LittleEndian, ProtoWriter } from './protobufWriter';

/** TensorProto.DataType values we write. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** AttributeProto.AttributeType values we write. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export type OnnxAttribute =
  | { readonly name: string; readonly kind: 'int'; readonly value: number }
  | { readonly name: string; readonly kind: 'float'; readonly value: number }
  | { readonly name: string; readonly kind: 'string'; readonly value: string }
  | { readonly name: string; readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'strings'; readonly value: readonly string[] };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly attributes?: readonly OnnxAttribute[];
}

/**
 * A constant tensor (an initializer). Data is row-major, as ONNX stores it. A tensor taken
 * from a model file keeps its element type and its little-endian bytes (`raw`).
 */
export type OnnxTensor =
  | { readonly name: string; readonly dims: readonly number[]; readonly dataType: typeof OnnxDataType.FLOAT; readonly data: Float32Array }
  | { readonly name: string; readonly dims: readonly number[]; readonly dataType: typeof OnnxDataType.INT64; readonly data: BigInt64Array }
  | { readonly name: string; readonly dims: readonly number[]; readonly dataType: number; readonly raw: Uint8Array };

/**
 * A graph input or output: a tensor type whose dims are sizes or symbolic names ("N").
 * Without `shape` the rank is unknown too (a value cut out of a graph whose shape was
 * never recorded); ONNX Runtime then infers it from what it is fed.
 */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: OnnxDataType;
  readonly shape?: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  /** IR version 8 is what ONNX 1.10-1.12 wrote for opset 13-17; every ORT since 1.10 reads it. */
  readonly irVersion: number;
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly producerVersion?: string;
  readonly graph: OnnxGraph;
}

export function encodeAttribute(a: OnnxAttribute): Uint8Array {
  const w = new ProtoWriter(64).stringField(1, a.name);
  switch (a.kind) {
    case 'float':
      w.int64Field(20, AttrType.FLOAT).floatField(2, a.value);
      break;
    case 'int':
      w.int64Field(20, AttrType.INT).int64Field(3, a.value);
      break;
    case 'string':
      w.int64Field(20, AttrType.STRING).stringField(4, a.value);
      break;
    case 'floats':
      w.int64Field(20, AttrType.FLOATS).packedFloats(7, a.value);
      break;
    case 'ints':
      w.int64Field(20, AttrType.INTS).packedVarints(8, a.value);
      break;
    case 'strings':
      w.int64Field(20, AttrType.STRINGS);
      for (const s of a.value) w.stringField(9, s);
      break;
  }
  return w.finish();
}

export function encodeNode(n: OnnxNode): Uint8Array {
  const w = new ProtoWriter(128);
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  w.stringField(3, n.name).stringField(4, n.opType);
  for (const a of n.attributes ?? []) w.bytesField(5, encodeAttribute(a));
  return w.finish();
}

function rawBytes(t: OnnxTensor): Uint8Array {
  if ('raw' in t) return t.raw;
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(`tensor ${t.name}: dims [${t.dims.join(', ')}] hold ${count} values but data has ${t.data.length}`);
  }
  return t.data instanceof Float32Array ? float32LittleEndian(t.data) : int64LittleEndian(t.data);
}

export function encodeTensor(t: OnnxTensor): Uint8Array {
  const raw = rawBytes(t);
  const w = new ProtoWriter(raw.length + 64);
  w.packedVarints(1, t.dims).int64Field(2, t.dataType).stringField(8, t.name);
  // raw_data (9) rather than float_data: one memcpy on both sides, and little-endian is
  // what the spec mandates for it.
  w.bytesField(9, raw);
  return w.finish();
}

export function encodeValueInfo(v: OnnxValueInfo): Uint8Array {
  const tensorType = new ProtoWriter(64).int64Field(1, v.elemType);
  if (v.shape !== undefined) {
    const shape = new ProtoWriter(64);
    for (const d of v.shape) {
      const dim = new ProtoWriter(16);
      if (typeof d === 'number') dim.int64Field(1, d);
      else dim.stringField(2, d);
      shape.bytesField(1, dim.finish());
    }
    tensorType.bytesField(2, shape.finish());
  }
  const type = new ProtoWriter(64).bytesField(1, tensorType.finish());
  return new ProtoWriter(64).stringField(1, v.name).bytesField(2, type.finish()).finish();
}

export function encodeGraph(g: OnnxGraph): Uint8Array {
  const parts = {
    nodes: g.nodes.map(encodeNode),
    inits: g.initializers.map(encodeTensor),
    inputs: g.inputs.map(encodeValueInfo),
    outputs: g.outputs.map(encodeValueInfo),
  };
  const size = Object.values(parts).reduce((s, list) => s + list.reduce((t, b) => t + b.length + 6, 0), 64);
  const w = new ProtoWriter(size);
  for (const n of parts.nodes) w.bytesField(1, n);
  w.stringField(2, g.name);
  for (const t of parts.inits) w.bytesField(5, t);
  for (const i of parts.inputs) w.bytesField(11, i);
  for (const o of parts.outputs) w.bytesField(12, o);
  return w.finish();
}

export function encodeModel(m: OnnxModel): Uint8Array {
  const graph = encodeGraph(m.graph);
  const opset = new ProtoWriter(16).stringField(1, '').int64Field(2, m.opsetVersion).finish();
  const w = new ProtoWriter(graph.length + 128);
  w.int64Field(1, m.irVersion).stringField(2, m.producerName);
  if (m.producerVersion !== undefined) w.stringField(3, m.producerVersion);
  w.bytesField(7, graph).bytesField(8, opset);
  return w.finish();
}
