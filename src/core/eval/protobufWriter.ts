/**
 * A minimal protocol-buffers encoder: just what writing an ONNX model needs (varints,
 * fixed 32-bit floats, length-delimited bytes and nested messages, packed repeated
 * numbers). Writing our own keeps the project free of a protobuf dependency; nothing here
 * ever decodes.
 */

/** Protobuf wire types (the low three bits of every field tag). */
export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const TWO_POW_64 = 1n << 64n;
const textEncoder = new TextEncoder();

/** Appends encoded fields to a growable byte buffer; `finish()` returns the bytes. */
export class ProtoWriter {
  private buf: Uint8Array;
  private len = 0;
  private readonly view4 = new DataView(new ArrayBuffer(4));

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  private reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /**
   * An unsigned varint. Negative numbers are int64 values: protobuf encodes them as their
   * 64-bit two's complement, which is always ten bytes.
   */
  varint(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`varint needs a safe integer, got ${value}`);
      if (value >= 0 && value < 0x80000000) {
        // Fast path for the small values (tags, lengths, dims) that make up most fields.
        this.reserve(5);
        let v = value;
        while (v >= 0x80) {
          this.buf[this.len++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        this.buf[this.len++] = v;
        return this;
      }
      value = BigInt(value);
    }
    if (value < -(1n << 63n) || value >= TWO_POW_64) throw new RangeError(`varint out of 64-bit range: ${value}`);
    let v = value < 0n ? value + TWO_POW_64 : value;
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  /** A field tag: field number and wire type. */
  tag(field: number, wire: WireType): this {
    return this.varint(field * 8 + wire);
  }

  /** Raw bytes with no framing (used for nested message bodies and packed payloads). */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** An int64/int32/enum/bool field. */
  int64Field(field: number, value: number | bigint): this {
    return this.tag(field, WireType.Varint).varint(value);
  }

  /** A float field (fixed 32-bit, little-endian). */
  floatField(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    this.view4.setFloat32(0, value, true);
    return this.raw(new Uint8Array(this.view4.buffer));
  }

  /** A bytes field (also nested messages, which are length-delimited bytes). */
  bytesField(field: number, bytes: Uint8Array): this {
    return this.tag(field, WireType.LengthDelimited).varint(bytes.length).raw(bytes);
  }

  /** A string field, UTF-8 encoded. */
  stringField(field: number, value: string): this {
    return this.bytesField(field, textEncoder.encode(value));
  }

  /** A packed repeated varint field (int64 lists such as dims and `ints`). Empty lists are omitted. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter(values.length * 2);
    for (const v of values) inner.varint(v);
    return this.bytesField(field, inner.finish());
  }

  /** A packed repeated float field. Empty lists are omitted. */
  packedFloats(field: number, values: readonly number[] | Float32Array): this {
    if (values.length === 0) return this;
    return this.bytesField(field, float32LittleEndian(Float32Array.from(values)));
  }

  /** The bytes written (a copy trimmed to length). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a float32 array in little-endian order, as ONNX raw_data requires. */
export function float32LittleEndian(values: Float32Array): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => out.setFloat32(i * 4, v, true));
  return new Uint8Array(out.buffer);
}

/** The bytes of an int64 array in little-endian order, as ONNX raw_data requires. */
export function int64LittleEndian(values: BigInt64Array): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((v, i) => out.setBigInt64(i * 8, v, true));
  return new Uint8Array(out.buffer);
}
