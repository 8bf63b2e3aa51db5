/**
 * Decoded protobuf messages (schema/onnx_pb.ts) to the typed model (types.ts): attributes,
 * tensors, value types and nodes. Pure and synchronous; external tensor bytes are read
 * beforehand by readOnnx.ts and handed in. Every refusal names the model file and the
 * tensor, value or node it is about.
 */
import { PruneLensError } from '../util/errors';
import {
  AttributeProto_AttributeType as AttrType,
  TensorProto_DataLocation,
  TensorProto_DataType,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './schema/onnx_pb';
import { arrayFromLittleEndian, arrayFromTypedFields, byteLengthOf, isSupportedElem } from './tensorData';
import type { OnnxDim, OnnxIrAttribute, OnnxIrNode, OnnxIrTensor, OnnxIrValue } from './types';
import { elementCount } from './types';

const utf8 = new TextDecoder('utf-8');

/** An int64 from the file as a number, refused when it is not exactly representable. */
export function safeNumber(v: bigint, what: string, file: string | undefined): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new PruneLensError(`${what} is ${v}, beyond what PruneLens handles`, file);
  return n;
}

function dataTypeName(code: number): string {
  return TensorProto_DataType[code] ?? String(code);
}

/** A tensor's dims, checked to be sizes. */
export function tensorDims(t: TensorProto, file: string | undefined): number[] {
  return t.dims.map((d) => {
    const n = safeNumber(d, `tensor "${t.name}" has a dimension that`, file);
    if (n < 0) throw new PruneLensError(`tensor "${t.name}" has a negative dimension ${n}`, file);
    return n;
  });
}

/** Whether a tensor keeps its bytes in an external file. */
export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === TensorProto_DataLocation.EXTERNAL;
}

/**
 * The typed form of one tensor. `external` holds the bytes of an externally stored tensor
 * (read and range-checked by the caller); inline tensors leave it undefined.
 */
export function tensorFromProto(t: TensorProto, file: string | undefined, external?: Uint8Array): OnnxIrTensor {
  const dataType = t.dataType;
  if (!isSupportedElem(dataType)) {
    throw new PruneLensError(`tensor "${t.name}" has data type ${dataTypeName(dataType)}, which PruneLens does not read`, file);
  }
  if (t.segment !== undefined) throw new PruneLensError(`tensor "${t.name}" is stored in segments, which PruneLens does not read`, file);
  const dims = tensorDims(t, file);
  const count = elementCount(dims);
  let data;
  if (isExternal(t)) {
    if (external === undefined) throw new PruneLensError(`internal: external tensor "${t.name}" was not read`, file);
    data = arrayFromLittleEndian(dataType, external);
  } else if (t.rawData.length > 0) {
    if (t.rawData.length !== byteLengthOf(dataType, dims)) {
      throw new PruneLensError(`tensor "${t.name}" has ${t.rawData.length} bytes of data, but [${dims.join(', ')}] ${dataTypeName(dataType)} needs ${byteLengthOf(dataType, dims)}`, file);
    }
    data = arrayFromLittleEndian(dataType, t.rawData);
  } else {
    data = arrayFromTypedFields(dataType, t);
  }
  if (data.length !== count) {
    throw new PruneLensError(`tensor "${t.name}" holds ${data.length} values, but its dims [${dims.join(', ')}] need ${count}`, file);
  }
  return { name: t.name, dataType, dims, data };
}

/** A graph input's or output's type; anything but a tensor is refused. */
export function valueFromProto(v: ValueInfoProto, file: string | undefined): OnnxIrValue {
  const type = v.type?.value;
  if (type === undefined || type.case === undefined) return { name: v.name, elemType: 0, shape: undefined };
  if (type.case !== 'tensorType') {
    throw new PruneLensError(`graph value "${v.name}" is a ${type.case.replace(/Type$/, '')}, not a tensor; PruneLens reads tensor models only`, file);
  }
  const shape = type.value.shape;
  const dims = shape?.dim.map((d): OnnxDim => {
    if (d.value.case === 'dimValue') return safeNumber(d.value.value, `a dimension of "${v.name}"`, file);
    if (d.value.case === 'dimParam' && d.value.value !== '') return d.value.value;
    return '?';
  });
  return { name: v.name, elemType: type.value.elemType, shape: dims };
}

/** One attribute; kinds PruneLens never reads keep their message. */
export function attributeFromProto(a: AttributeProto, node: string, file: string | undefined): OnnxIrAttribute {
  const name = a.name;
  const what = `attribute "${name}" of node "${node}"`;
  switch (a.type) {
    case AttrType.INT:
      return { name, kind: 'int', value: safeNumber(a.i, what, file) };
    case AttrType.FLOAT:
      return { name, kind: 'float', value: a.f };
    case AttrType.STRING:
      return { name, kind: 'string', value: utf8.decode(a.s) };
    case AttrType.INTS:
      // Slice-style attributes use the int64 extremes for "to the end": clamp, do not refuse.
      return { name, kind: 'ints', value: a.ints.map((v) => Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Number(v)))) };
    case AttrType.FLOATS:
      return { name, kind: 'floats', value: [...a.floats] };
    case AttrType.STRINGS:
      return { name, kind: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    case AttrType.TENSOR:
      if (a.t === undefined) throw new PruneLensError(`${what} is a tensor attribute without a tensor`, file);
      return { name, kind: 'tensor', value: tensorFromProto(a.t, file) };
    default:
      return { name, kind: 'other', proto: a };
  }
}

export function nodeFromProto(n: NodeProto, file: string | undefined): OnnxIrNode {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    inputs: [...n.input],
    outputs: [...n.output],
    attributes: n.attribute.map((a) => attributeFromProto(a, n.name || n.opType, file)),
  };
}
