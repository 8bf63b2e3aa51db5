/**
 * Writing ONNX back: a read -> write -> read round trip keeps the interface, node names,
 * opsets, producer, metadata and every initializer bit for bit; an edited model (a channel
 * sliced out of two convolutions) writes and runs with its new dims; and initializers can
 * go to an external data file that both PruneLens and ONNX Runtime read back.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { parseOnnx, readOnnxFile } from '../../src/core/onnx/readOnnx';
import type { OnnxIrModel, OnnxIrTensor } from '../../src/core/onnx/types';
import { encodeOnnxModel, writeOnnxFile } from '../../src/core/onnx/writeOnnx';
import { fixtureFeeds, fixturePath, fixtureSpec, floatInit, handModel, maxRelativeDiff, node, runOrt, seededFloats } from './onnxFixtureUtil';

const dir = mkdtempSync(path.join(os.tmpdir(), 'prunelens-onnx-write-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertSameModel(actual: OnnxIrModel, expected: OnnxIrModel): void {
  const { graph: ga, file: _fa, ...restA } = actual;
  const { graph: ge, file: _fe, ...restE } = expected;
  assert.deepEqual(restA, restE);
  assert.deepEqual(ga.inputs, ge.inputs);
  assert.deepEqual(ga.outputs, ge.outputs);
  assert.deepEqual(ga.nodes, ge.nodes);
  assert.equal(ga.name, ge.name);
  assert.deepEqual(ga.initializers, ge.initializers);
}

describe('writing ONNX', () => {
  it('round-trips names, opsets, producer and metadata, and every initializer exactly', async () => {
    const read = await readOnnxFile(fixturePath('mobilenetv3_se'));
    const model: OnnxIrModel = {
      ...read,
      modelVersion: 3,
      docString: 'a model with a story',
      metadata: [
        { key: 'author', value: 'someone' },
        { key: 'pruned_by', value: 'prunelens' },
      ],
    };
    const again = await parseOnnx(encodeOnnxModel(model), 'again.onnx');
    assertSameModel(again, model);
    assert.equal(again.producerName, 'pytorch');
    assert.deepEqual(again.opsetImports, [{ domain: '', version: 17 }]);
    assert.ok(again.graph.nodes.some((n) => n.name === '/features/features.1/block/block.1/fc1/Conv'), 'PyTorch node names survive');
  });

  it('writes an edited model whose dims changed (one channel sliced out of two convs)', async () => {
    const w1 = floatInit('conv1.weight', [4, 2, 3, 3]);
    const b1 = floatInit('conv1.bias', [4], [0.1, -0.2, 0.3, 0.05]);
    const w2 = floatInit('conv2.weight', [3, 4, 1, 1], [1, 2, 3, 4, -1, 0.5, 0.25, 2, 0, 1, -1, 1]);
    const build = (inits: OnnxIrTensor[]): OnnxIrModel =>
      handModel({
        nodes: [node('Conv', ['x', 'conv1.weight', 'conv1.bias'], ['a'], [{ name: 'pads', kind: 'ints', value: [1, 1, 1, 1] }], '/conv1/Conv'), node('Relu', ['a'], ['r']), node('Conv', ['r', 'conv2.weight'], ['y'], [], '/conv2/Conv')],
        initializers: inits,
        inputs: [{ name: 'x', shape: ['N', 2, 5, 5] }],
        outputs: ['y'],
      });
    // Dropping channel 2 of conv1 equals zeroing what conv2 reads from it.
    const masked = Float32Array.from(w2.data as Float32Array, (v, i) => (i % 4 === 2 ? 0 : v));
    const reference = build([w1, b1, { ...w2, data: masked }]);
    const keep = [0, 1, 3];
    const sliced = build([
      { ...w1, dims: [3, 2, 3, 3], data: Float32Array.from(keep.flatMap((c) => [...(w1.data as Float32Array).subarray(c * 18, c * 18 + 18)])) },
      { ...b1, dims: [3], data: Float32Array.from(keep, (c) => (b1.data as Float32Array)[c] as number) },
      { ...w2, dims: [3, 3, 1, 1], data: Float32Array.from([0, 1, 2].flatMap((o) => keep.map((c) => (w2.data as Float32Array)[o * 4 + c] as number))) },
    ]);
    const file = path.join(dir, 'sliced.onnx');
    await writeOnnxFile(sliced, file);
    const back = await readOnnxFile(file);
    assert.deepEqual(back.graph.initializers.map((t) => t.dims), [[3, 2, 3, 3], [3], [3, 3, 1, 1]]);
    assert.deepEqual(back.graph.nodes.map((n) => n.name), ['/conv1/Conv', 'r', '/conv2/Conv']);
    const x = new ort.Tensor('float32', seededFloats(2 * 2 * 25, 9), [2, 2, 5, 5]);
    const a = (await runOrt(file, { x })).y as ort.Tensor;
    const b = (await runOrt(encodeOnnxModel(reference), { x })).y as ort.Tensor;
    assert.deepEqual([...a.dims], [2, 3, 5, 5]);
    assert.ok(maxRelativeDiff(a.data as Float32Array, b.data as Float32Array) < 1e-6);
  });

  it('puts initializers in an external data file that reads back and runs', async () => {
    const model = await readOnnxFile(fixturePath('resnet_blocks'));
    const file = path.join(dir, 'ext', 'model.onnx');
    rmSync(path.dirname(file), { recursive: true, force: true });
    mkdirSync(path.dirname(file), { recursive: true });
    await writeOnnxFile(model, file, { externalData: { location: 'model.onnx.data', minBytes: 256 } });
    assert.ok(existsSync(path.join(path.dirname(file), 'model.onnx.data')));
    const back = await readOnnxFile(file);
    assert.deepEqual(back.graph.initializers, model.graph.initializers);
    const spec = fixtureSpec('resnet_blocks');
    const out = (await runOrt(file, fixtureFeeds(spec))).logits as ort.Tensor;
    assert.ok(maxRelativeDiff(out.data as Float32Array, spec.outputs[0]?.data ?? []) < 1e-4);
    await assert.rejects(writeOnnxFile(model, file, { externalData: { location: '../x.data' } }), /plain file name/);
  });
});
