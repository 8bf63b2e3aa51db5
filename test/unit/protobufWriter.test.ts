/**
 * The protobuf writer byte for byte, and an ONNX model built from it that ONNX Runtime
 * loads and runs with the numbers we expect.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ProtoWriter, WireType } from '../../src/core/eval/protobufWriter';
import { encodeAttribute, encodeTensor, OnnxDataType } from '../../src/core/eval/onnxProto';
import { floatAttr, intAttr, intsAttr, OnnxGraphBuilder } from '../../src/core/eval/onnxGraph';

const bytes = (fill: (w: ProtoWriter) => void): number[] => {
  const w = new ProtoWriter(1);
  fill(w);
  return [...w.finish()];
};
const varint = (v: number | bigint): number[] => bytes((w) => w.varint(v));

describe('ProtoWriter varints', () => {
  it('encodes the 7-bit group boundaries', () => {
    assert.deepEqual(varint(0), [0]);
    assert.deepEqual(varint(1), [1]);
    assert.deepEqual(varint(127), [0x7f]);
    assert.deepEqual(varint(128), [0x80, 0x01]);
    assert.deepEqual(varint(300), [0xac, 0x02]);
    assert.deepEqual(varint(16383), [0xff, 0x7f]);
    assert.deepEqual(varint(16384), [0x80, 0x80, 0x01]);
  });
  it('crosses 32 bits and reaches 2^53 - 1 exactly', () => {
    assert.deepEqual(varint(2 ** 31 - 1), [0xff, 0xff, 0xff, 0xff, 0x07]);
    assert.deepEqual(varint(2 ** 31), [0x80, 0x80, 0x80, 0x80, 0x08]);
    assert.deepEqual(varint(2 ** 32), [0x80, 0x80, 0x80, 0x80, 0x10]);
    assert.deepEqual(varint(Number.MAX_SAFE_INTEGER), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(varint(2 ** 32), varint(2n ** 32n));
  });
  it('writes negative int64 as ten-byte two\'s complement', () => {
    assert.deepEqual(varint(-1), [...new Array<number>(9).fill(0xff), 0x01]);
    assert.deepEqual(varint(-1n), varint(-1));
    assert.deepEqual(varint(-(2n ** 63n)), [...new Array<number>(9).fill(0x80), 0x01]);
    assert.deepEqual(varint(2n ** 64n - 1n), varint(-1));
  });
  it('rejects values protobuf cannot hold', () => {
    assert.throws(() => varint(1.5), RangeError);
    assert.throws(() => varint(2 ** 53), RangeError);
    assert.throws(() => varint(2n ** 64n), RangeError);
    assert.throws(() => varint(-(2n ** 63n) - 1n), RangeError);
  });
});

describe('ProtoWriter fields', () => {
  it('tags with field numbers above 15 take two bytes', () => {
    assert.deepEqual(bytes((w) => w.tag(1, WireType.Varint)), [0x08]);
    assert.deepEqual(bytes((w) => w.tag(20, WireType.Varint)), [0xa0, 0x01]);
    assert.deepEqual(bytes((w) => w.int64Field(21, 3)), [0xa8, 0x01, 0x03]);
  });
  it('floats are fixed 32-bit little-endian', () => {
    assert.deepEqual(bytes((w) => w.floatField(2, 1)), [0x15, 0x00, 0x00, 0x80, 0x3f]);
    assert.deepEqual(bytes((w) => w.floatField(2, -2.5)), [0x15, 0x00, 0x00, 0x20, 0xc0]);
  });
  it('strings are length-delimited UTF-8', () => {
    assert.deepEqual(bytes((w) => w.stringField(1, '')), [0x0a, 0x00]);
    assert.deepEqual(bytes((w) => w.stringField(4, 'é')), [0x22, 0x02, 0xc3, 0xa9]);
  });
  it('packs repeated numbers and omits empty lists', () => {
    assert.deepEqual(bytes((w) => w.packedVarints(8, [1, 300, -1])), [0x42, 13, 0x01, 0xac, 0x02, ...new Array<number>(9).fill(0xff), 0x01]);
    assert.deepEqual(bytes((w) => w.packedVarints(8, [])), []);
    assert.deepEqual(bytes((w) => w.packedFloats(7, [1, 0])), [0x3a, 8, 0, 0, 0x80, 0x3f, 0, 0, 0, 0]);
    assert.deepEqual(bytes((w) => w.packedFloats(7, [])), []);
  });
  it('grows its buffer across many writes and long payloads', () => {
    const big = new Uint8Array(100_003).map((_, i) => i & 0xff);
    const out = new ProtoWriter(1).varint(5).bytesField(9, big).varint(7).finish();
    assert.equal(out.length, 1 + 1 + 3 + big.length + 1);
    assert.deepEqual([...out.subarray(0, 5)], [5, 0x4a, 0xa3, 0x8d, 0x06]);
    assert.equal(out[5 + 99_999], 99_999 & 0xff);
    assert.equal(out[out.length - 1], 7);
  });
});

describe('ONNX messages', () => {
  it('an INTS attribute carries its type discriminator (field 20)', () => {
    assert.deepEqual([...encodeAttribute({ name: 'p', kind: 'ints', value: [0, 2] })], [0x0a, 0x01, 0x70, 0xa0, 0x01, 0x07, 0x42, 0x02, 0x00, 0x02]);
  });
  it('a tensor whose dims and data disagree is refused', () => {
    assert.throws(() => encodeTensor({ name: 't', dims: [2, 2], dataType: OnnxDataType.FLOAT, data: new Float32Array(3) }), /hold 4 values but data has 3/);
  });
  it('a small hand-built model loads and runs in ONNX Runtime', async () => {
    // y = Flatten(Transpose(LeakyRelu(Reshape(x, [N, 2, 3]) * w))) with every attribute kind we write.
    const g = new OnnxGraphBuilder('tiny');
    g.addInput('x', OnnxDataType.FLOAT, ['N', 6]);
    const shape = g.int64Const('shape', [3], [-1, 2, 3]);
    const w = g.floatConst('w', [3], [1, -2, 0.5]);
    const r = g.op('Reshape', ['x', shape], 'reshape');
    const m = g.op('Mul', [r, w], 'mul');
    const a = g.op('LeakyRelu', [m], 'leaky', [floatAttr('alpha', 0.25)]);
    const t = g.op('Transpose', [a], 'transpose', [intsAttr('perm', [0, 2, 1])]);
    const f = g.op('Flatten', [t], 'flatten', [intAttr('axis', 1)]);
    const p = g.op('Pad', [f, g.int64Const('pads', [4], [0, 1, 0, 0])], 'pad', [{ name: 'mode', kind: 'string', value: 'constant' }]);
    g.addOutput(p, 'y', OnnxDataType.FLOAT, ['N', 7]);
    const session = await ort.InferenceSession.create(g.toBytes());
    try {
      const x = Float32Array.from([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
      const out = await session.run({ x: new ort.Tensor('float32', x, [2, 6]) });
      const y = out['y'];
      assert.ok(y);
      assert.deepEqual(y.dims, [2, 7]);
      // Row 0: [1,2,3;4,5,6] * [1,-2,0.5] = [1,-4,1.5; 4,-10,3] -> leaky -> transposed.
      assert.deepEqual([...(y.data as Float32Array).subarray(0, 7)], [0, 1, 4, -1, -2.5, 1.5, 3]);
      assert.deepEqual([...(y.data as Float32Array).subarray(7)], [0, -0.25, -1, 4, 10, -0.375, -0.75]);
    } finally {
      await session.release();
    }
  });
});
