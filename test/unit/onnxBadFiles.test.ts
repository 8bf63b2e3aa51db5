/**
 * Files PruneLens must refuse, each with an error that names the file and the problem:
 * truncated or non-protobuf bytes, protobuf that is not a model, opsets before 11, external
 * data that escapes the model's folder, is missing or too short, and ops outside the
 * supported set (naming the op and the node).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { prepareOnnxModel } from '../../src/core/onnx/loadOnnx';
import { openOnnxModel } from '../../src/core/onnx/onnxModel';
import { OnnxElem, type OnnxIrTensor } from '../../src/core/onnx/types';
import { readOnnxFile } from '../../src/core/onnx/readOnnx';
import { ModelProtoSchema } from '../../src/core/onnx/schema/onnx_pb';
import { encodeOnnxModel } from '../../src/core/onnx/writeOnnx';
import { PruneLensError } from '../../src/core/util/errors';
import { FIXTURE_DIR, fixturePath, handModel, node } from './onnxFixtureUtil';

const dir = mkdtempSync(path.join(os.tmpdir(), 'prunelens-onnx-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | string): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

async function refused(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readOnnxFile(file), (e: unknown) => {
    assert.ok(e instanceof PruneLensError, String(e));
    assert.equal(e.file, file);
    assert.match(e.message, pattern);
    return true;
  });
}

/** The external-data fixture copied into `sub` of the temp folder with each tensor's location rewritten. */
function externalCopy(sub: string, location: (old: string) => string, withData = true): string {
  const folder = path.join(dir, sub);
  const proto = fromBinary(ModelProtoSchema, readFileSync(fixturePath('resnet_external')));
  for (const t of proto.graph?.initializer ?? []) {
    for (const e of t.externalData) if (e.key === 'location') e.value = location(e.value);
  }
  const file = path.join(folder, 'model.onnx');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, toBinary(ModelProtoSchema, proto));
  if (withData) copyFileSync(path.join(FIXTURE_DIR, 'resnet_external.onnx.data'), path.join(folder, 'resnet_external.onnx.data'));
  return file;
}

describe('reading bad ONNX files', () => {
  it('refuses a truncated file', async () => {
    const bytes = readFileSync(fixturePath('resnet_blocks'));
    await refused(write('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2))), /not an ONNX model.*truncated/);
  });

  it('refuses bytes that are not protobuf, and an empty file', async () => {
    await refused(write('text.onnx', '{"format": "layers-model", "modelTopology": {}}\n'), /not an ONNX model/);
    await refused(write('empty.onnx', new Uint8Array(0)), /empty/);
  });

  it('refuses protobuf that is not a ModelProto with a graph', async () => {
    // A valid message of another kind: field 1 (ir_version) only.
    await refused(write('nograph.onnx', new Uint8Array([0x08, 0x07])), /no graph, no opset_import/);
  });

  it('refuses opset 9 and names the supported range', async () => {
    const model = await readOnnxFile(fixturePath('resnet_blocks'));
    const old = encodeOnnxModel({ ...model, opsetImports: [{ domain: '', version: 9 }] });
    await refused(write('opset9.onnx', old), /opset 9 is not supported: PruneLens reads standard opsets 11 to/);
  });

  it('refuses external data paths that leave the model folder', async () => {
    await refused(externalCopy('escape', () => '../resnet_external.onnx.data'), /"\.\.\/resnet_external\.onnx\.data" is outside the model's folder/);
    await refused(externalCopy('absolute', () => path.join(FIXTURE_DIR, 'resnet_external.onnx.data')), /is outside the model's folder/);
    const linked = externalCopy('linked', () => 'link.data', false);
    symlinkSync(path.join(FIXTURE_DIR, 'resnet_external.onnx.data'), path.join(path.dirname(linked), 'link.data'));
    await refused(linked, /"link\.data" leads outside the model's folder/);
  });

  it('refuses a missing or short external data file, naming the initializer', async () => {
    await refused(externalCopy('missing', (l) => l, false), /initializer "[^"]+": external data file "resnet_external\.onnx\.data" cannot be opened/);
    const short = externalCopy('short', (l) => l);
    writeFileSync(path.join(path.dirname(short), 'resnet_external.onnx.data'), new Uint8Array(100));
    await refused(short, /external data range \d+\.\.\d+ is past the end of "resnet_external\.onnx\.data" \(100 bytes\)/);
  });

  it('names each unsupported op and its nodes after the clean-up', () => {
    const model = handModel({
      nodes: [node('Relu', ['x'], ['r']), node('LpNormalization', ['r'], ['n'], [], 'norm1'), node('Erf', ['n'], ['y'], [], 'erf1')],
      inputs: [{ name: 'x', shape: [1, 3, 4, 4] }],
      outputs: ['y'],
    });
    assert.throws(() => prepareOnnxModel({ ...model, file: '/models/m.onnx' }), (e: unknown) => {
      assert.ok(e instanceof PruneLensError);
      assert.equal(e.file, '/models/m.onnx');
      assert.match(e.message, /unsupported ONNX operators LpNormalization, Erf: LpNormalization node "norm1", Erf node "erf1"/);
      return true;
    });
  });

  it('names a shape computation the clean-up cannot fold', () => {
    // The shape feeds a Mul on activations, not a Reshape: it cannot become a constant.
    const model = handModel({
      nodes: [node('Shape', ['x'], ['s'], [], 'shape1'), node('Cast', ['s'], ['f'], [{ name: 'to', kind: 'int', value: 1 }], 'cast1'), node('Mul', ['x', 'f'], ['y'])],
      inputs: [{ name: 'x', shape: ['batch', 2, 3, 4] }],
      outputs: ['y'],
    });
    assert.throws(() => prepareOnnxModel(model), /unsupported ONNX operators Shape, Cast: Shape node "shape1", Cast node "cast1"/);
  });

  it('refuses NaN or infinite float initializers, naming them and how many values; allowNonfinite opens the model', async () => {
    const read = await readOnnxFile(fixturePath('mobilenetv2_blocks'));
    const floats = read.graph.initializers.filter((t) => t.dataType === OnnxElem.FLOAT && t.data.length > 4);
    const [first, second] = floats as [OnnxIrTensor, OnnxIrTensor];
    const poisoned = (t: OnnxIrTensor, at: number[], value: number): OnnxIrTensor => {
      const data = Float32Array.from(t.data as Float32Array);
      for (const i of at) data[i] = value;
      return { ...t, data };
    };
    const initializers = read.graph.initializers.map((t) => (t === first ? poisoned(t, [0, 3], Number.NaN) : t === second ? poisoned(t, [1], Number.NEGATIVE_INFINITY) : t));
    const file = write('nan.onnx', encodeOnnxModel({ ...read, graph: { ...read.graph, initializers } }));
    await assert.rejects(openOnnxModel(file), (e: unknown) => {
      assert.ok(e instanceof PruneLensError, String(e));
      assert.equal(e.file, file);
      const expected = `has initializers that are NaN or infinite: '${first.name}' (2 of ${first.data.length} values); '${second.name}' (1 of ${second.data.length} values); refused (--allow-nonfinite loads it anyway)`;
      assert.equal(e.message, `${file}: ${expected}`);
      return true;
    });
    const opened = await openOnnxModel(file, { allowNonfinite: true });
    opened.dispose();
  });
});
