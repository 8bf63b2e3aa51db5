/**
 * Every PyTorch-exported fixture, end to end: ONNX Runtime on the file reproduces PyTorch's
 * saved outputs; the file reads, cleans to supported ops only, and its inferred shapes are
 * the shapes ONNX Runtime computes for every value; the cleaned model and the written-back
 * model compute what the file computes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { prepareOnnxModel } from '../../src/core/onnx/loadOnnx';
import { readOnnxFile } from '../../src/core/onnx/readOnnx';
import { SUPPORTED_OPS } from '../../src/core/onnx/supportedOps';
import { encodeOnnxModel } from '../../src/core/onnx/writeOnnx';
import {
  bindShape,
  FIXTURES,
  fixtureFeeds,
  fixturePath,
  fixtureSpec,
  maxRelativeDiff,
  ortValueShapes,
  runOrt,
  seededFloats,
} from './onnxFixtureUtil';

for (const name of FIXTURES) {
  describe(`ONNX fixture ${name}`, () => {
    const spec = fixtureSpec(name);
    const feeds = fixtureFeeds(spec);

    it("ONNX Runtime on the exported file reproduces PyTorch's outputs (1e-4)", async () => {
      const out = await runOrt(fixturePath(name), feeds);
      for (const saved of spec.outputs) {
        const got = out[saved.name];
        assert.ok(got, `output ${saved.name}`);
        assert.deepEqual([...got.dims], saved.shape);
        assert.ok(maxRelativeDiff(got.data as Float32Array, saved.data) < 1e-4, `${saved.name} differs from PyTorch`);
      }
    });

    it('reads, cleans to supported ops, and infers the shapes ONNX Runtime computes', async () => {
      const loaded = prepareOnnxModel(await readOnnxFile(fixturePath(name)));
      const { model, shapes } = loaded;
      assert.equal(model.graph.inputs[0]?.name, 'input');
      assert.deepEqual(model.graph.outputs.map((o) => o.name), ['logits']);
      const image = spec.input.shape.slice(1);
      assert.deepEqual(model.graph.inputs[0]?.shape, spec.dynamicBatch ? ['batch', ...image] : [2, ...image]);
      for (const n of model.graph.nodes) assert.ok(SUPPORTED_OPS.has(n.opType), `${n.opType} left after clean-up`);
      assert.equal(loaded.clean.batchNormNodes, spec.batchNormNodes);
      const actual = await ortValueShapes(model, shapes, feeds);
      assert.ok(actual.size >= model.graph.nodes.length);
      for (const [value, dims] of actual) {
        const inferred = shapes.get(value)?.shape;
        assert.ok(inferred, `no shape inferred for ${value}`);
        assert.deepEqual(bindShape(inferred, { batch: 2 }), dims, `shape of ${value}`);
      }
      // The batch stays symbolic through a dynamic-batch network.
      if (spec.dynamicBatch) assert.deepEqual(shapes.get('logits')?.shape, ['batch', 10]);
    });

    it('the cleaned model and its write-back compute what the file computes (1e-5)', async () => {
      const original = await readOnnxFile(fixturePath(name));
      const { model } = prepareOnnxModel(original);
      const reference = (await runOrt(fixturePath(name), feeds)).logits?.data as Float32Array;
      for (const m of [original, model]) {
        const out = (await runOrt(encodeOnnxModel(m), feeds)).logits?.data as Float32Array;
        assert.ok(maxRelativeDiff(out, reference) < 1e-5);
      }
      if (spec.dynamicBatch) {
        // Folded shape computations must still hold for another batch size.
        const image = spec.input.shape.slice(1);
        const x = new ort.Tensor('float32', seededFloats(5 * image.reduce((a, b) => a * b, 1), 11), [5, ...image]);
        const a = (await runOrt(fixturePath(name), { input: x })).logits as ort.Tensor;
        const b = (await runOrt(encodeOnnxModel(model), { input: x })).logits as ort.Tensor;
        assert.deepEqual([...b.dims], [5, 10]);
        assert.ok(maxRelativeDiff(b.data as Float32Array, a.data as Float32Array) < 1e-5);
      }
    });
  });
}
