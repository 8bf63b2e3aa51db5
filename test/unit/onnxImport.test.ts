/**
 * Fine-tuning ONNX models goes through TF.js: the import of every PyTorch fixture computes
 * what ONNX Runtime computes (1e-4), and weights changed in TF.js come back into the ONNX
 * graph (NHWC to NCHW) so that the written model computes what the TF.js model computes:
 * ONNX -> TF.js -> ONNX gives the same logits. What cannot be imported is named.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { openOnnxModel } from '../../src/core/onnx/onnxModel';
import { readOnnxFile } from '../../src/core/onnx/readOnnx';
import { tfjsPredictor } from '../../src/core/eval/evaluate';
import { FIXTURES, fixturePath, maxRelativeDiff, seededFloats } from './onnxFixtureUtil';
import { logitsOf } from './onnxModelUtil';

/** Fixtures with ops TF.js layers do not express (ops_mix: ConvTranspose, a MatMul over three axes). */
const NOT_IMPORTED = new Set(['ops_mix']);

before(async () => {
  await tf.setBackend('cpu');
});

/** Every trainable weight of `model` scaled by seeded factors in [0.8, 1.2). */
function perturb(model: tf.LayersModel, seed: number): void {
  model.trainableWeights.forEach((w, i) => {
    const factors = seededFloats(w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), seed + i);
    tf.tidy(() => {
      w.write(tf.mul(w.read(), tf.add(1, tf.mul(0.2, tf.tensor(factors, w.read().shape)))));
    });
  });
}

for (const name of FIXTURES.filter((n) => !NOT_IMPORTED.has(n))) {
  describe(`importing ONNX fixture ${name} into TF.js`, () => {
    it('computes what ONNX Runtime computes, and trained weights come back into the ONNX graph', async () => {
      const model = await openOnnxModel(fixturePath(name));
      const { height, width, channels } = model.input();
      const x = seededFloats(3 * height * width * channels, 23);
      const { model: imported, back } = await model.trainable();
      try {
        const reference = await logitsOf(model, x, 3);
        assert.ok(maxRelativeDiff(await tfjsPredictor(imported)(x, 3), reference) < 1e-4, 'TF.js and ONNX Runtime agree');
        // Untouched, the round trip gives the model back.
        const same = back(imported);
        assert.ok(maxRelativeDiff(await logitsOf(same, x, 3), reference) < 1e-4);
        // Changed weights (as training changes them) are written back where they came from.
        perturb(imported, 5);
        const changed = await tfjsPredictor(imported)(x, 3);
        assert.ok(maxRelativeDiff(changed, reference) > 1e-3, 'the perturbation changes the logits');
        const written = back(imported);
        assert.ok(maxRelativeDiff(await logitsOf(written, x, 3), changed) < 1e-4, 'ONNX -> TF.js -> ONNX');
        // With the source's interface.
        const dir = mkdtempSync(path.join(tmpdir(), 'prunelens-onnx-import-'));
        try {
          const saved = await written.save(dir);
          const [source, file] = await Promise.all([readOnnxFile(fixturePath(name)), readOnnxFile(saved.file)]);
          assert.deepEqual(file.graph.inputs, source.graph.inputs);
          assert.deepEqual(file.graph.outputs.map((o) => o.name), source.graph.outputs.map((o) => o.name));
          assert.deepEqual(file.opsetImports, source.opsetImports);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        imported.dispose();
      }
    });
  });
}

describe('a model TF.js cannot express', () => {
  it('is refused naming the op and the node', async () => {
    const model = await openOnnxModel(fixturePath('ops_mix'));
    await assert.rejects(model.trainable(), (err: Error) => {
      assert.match(err.message, /ops_mix\.onnx/);
      assert.match(err.message, /cannot be imported into TF\.js for training: ConvTranspose node "\/up\/ConvTranspose": /);
      return true;
    });
  });
});
