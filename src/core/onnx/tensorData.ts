/**
 * Tensor contents between ONNX's storage forms and typed arrays. ONNX stores a tensor either
 * as little-endian bytes (raw_data inline, or a range of an external file) or in one of the
 * typed repeated fields (float_data, int32_data, int64_data, ...); both read into one typed
 * array here, and everything is written back as raw bytes, the form every reader accepts.
 */
import { OnnxElem, elementCount, type OnnxIrTensor, type OnnxTensorArray } from './types';

interface ElementType {
  readonly name: string;
  readonly bytes: number;
  /** An array of `n` zeroed elements. */
  readonly make: (n: number) => OnnxTensorArray;
}

/** The data types PruneLens reads, with their element sizes and array kinds. */
export const ELEMENT_TYPES: ReadonlyMap<number, ElementType> = new Map<number, ElementType>([
  [OnnxElem.FLOAT, { name: 'float32', bytes: 4, make: (n) => new Float32Array(n) }],
  [OnnxElem.UINT8, { name: 'uint8', bytes: 1, make: (n) => new Uint8Array(n) }],
  [OnnxElem.INT8, { name: 'int8', bytes: 1, make: (n) => new Int8Array(n) }],
  [OnnxElem.UINT16, { name: 'uint16', bytes: 2, make: (n) => new Uint16Array(n) }],
  [OnnxElem.INT16, { name: 'int16', bytes: 2, make: (n) => new Int16Array(n) }],
  [OnnxElem.INT32, { name: 'int32', bytes: 4, make: (n) => new Int32Array(n) }],
  [OnnxElem.INT64, { name: 'int64', bytes: 8, make: (n) => new BigInt64Array(n) }],
  [OnnxElem.BOOL, { name: 'bool', bytes: 1, make: (n) => new Uint8Array(n) }],
  [OnnxElem.FLOAT16, { name: 'float16', bytes: 2, make: (n) => new Uint16Array(n) }],
  [OnnxElem.DOUBLE, { name: 'float64', bytes: 8, make: (n) => new Float64Array(n) }],
  [OnnxElem.UINT32, { name: 'uint32', bytes: 4, make: (n) => new Uint32Array(n) }],
  [OnnxElem.UINT64, { name: 'uint64', bytes: 8, make: (n) => new BigUint64Array(n) }],
  [OnnxElem.BFLOAT16, { name: 'bfloat16', bytes: 2, make: (n) => new Uint16Array(n) }],
]);

/** The element type of a data type code, or undefined for one PruneLens does not read. */
export function elementType(dataType: number): ElementType | undefined {
  return ELEMENT_TYPES.get(dataType);
}

export function isSupportedElem(dataType: number): dataType is OnnxElem {
  return ELEMENT_TYPES.has(dataType);
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each `size`-byte element, in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/**
 * A typed array over a copy of little-endian bytes. Always a copy: the bytes usually view
 * the whole model file, and the typed array must be aligned and must not keep it alive.
 */
export function arrayFromLittleEndian(dataType: OnnxElem, bytes: Uint8Array): OnnxTensorArray {
  const type = ELEMENT_TYPES.get(dataType) as ElementType;
  const out = type.make(bytes.length / type.bytes);
  const view = new Uint8Array(out.buffer);
  view.set(bytes);
  if (!hostIsLittleEndian && type.bytes > 1) swapBytes(view, type.bytes);
  return out;
}

/** The little-endian bytes of a typed array (a view when the host is little-endian). */
export function littleEndianBytes(data: OnnxTensorArray): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (hostIsLittleEndian || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = view.slice();
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/** The typed repeated fields of a TensorProto, as the protobuf library decodes them. */
export interface TypedFields {
  readonly floatData: readonly number[];
  readonly int32Data: readonly number[];
  readonly int64Data: readonly bigint[];
  readonly doubleData: readonly number[];
  readonly uint64Data: readonly bigint[];
}

/**
 * A typed array from the typed fields, which ONNX fills by data type: float_data for
 * float32; int32_data for every type of 32 bits or less (16-bit floats as their bits, bool
 * as 0/1); int64_data for int64; double_data for float64; uint64_data for uint32 and uint64.
 */
export function arrayFromTypedFields(dataType: OnnxElem, fields: TypedFields): OnnxTensorArray {
  switch (dataType) {
    case OnnxElem.FLOAT:
      return Float32Array.from(fields.floatData);
    case OnnxElem.INT64:
      return BigInt64Array.from(fields.int64Data);
    case OnnxElem.DOUBLE:
      return Float64Array.from(fields.doubleData);
    case OnnxElem.UINT64:
      return BigUint64Array.from(fields.uint64Data);
    case OnnxElem.UINT32:
      return Uint32Array.from(fields.uint64Data, (v) => Number(v));
    default: {
      const out = (ELEMENT_TYPES.get(dataType) as ElementType).make(fields.int32Data.length);
      (out as Exclude<OnnxTensorArray, BigInt64Array | BigUint64Array>).set(fields.int32Data);
      return out;
    }
  }
}

/** Bytes a tensor of this type and shape takes. */
export function byteLengthOf(dataType: OnnxElem, dims: readonly number[]): number {
  return elementCount(dims) * (ELEMENT_TYPES.get(dataType) as ElementType).bytes;
}

/** The tensor's values as numbers (int64 converted), for the small shape and index tensors. */
export function tensorNumbers(t: Pick<OnnxIrTensor, 'data'>): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** A tensor built from numbers, for the small int64 and float32 constants the passes create. */
export function numberTensor(name: string, dataType: typeof OnnxElem.INT64 | typeof OnnxElem.FLOAT, dims: readonly number[], values: readonly number[]): OnnxIrTensor {
  const data = dataType === OnnxElem.INT64 ? BigInt64Array.from(values, (v) => BigInt(v)) : Float32Array.from(values);
  return { name, dataType, dims: [...dims], data };
}
