/**
 * The ONNX Runtime evaluator: inputs checked against the model, release, and clear errors
 * for execution providers that are missing or cannot start.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { exportToOnnx } from '../../src/core/eval/onnxExport';
import { createOrtEvaluator, createOrtSession } from '../../src/core/eval/ortSession';
import { PruneLensError } from '../../src/core/util/errors';
import { randomImages, randomizeWeights, relativeDiff } from './onnxTestUtil';

let model: tf.LayersModel;

before(async () => {
  await tf.setBackend('cpu');
  model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [5, 4, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }), tf.layers.flatten(), tf.layers.dense({ units: 6 })],
  });
  randomizeWeights(model, 2);
});
after(() => model.dispose());

describe('createOrtEvaluator', () => {
  it('runs n NHWC images to n x classes logits like TF.js', async () => {
    const ev = await createOrtEvaluator(model, { intraOpThreads: 1 });
    try {
      assert.deepEqual(ev.imageShape, [5, 4, 2]);
      assert.equal(ev.numClasses, 6);
      assert.deepEqual(ev.providers, ['cpu']);
      const images = randomImages(4, 40, 3);
      const out = await ev.run(images, 4);
      const ref = tf.tidy(() => (model.predict(tf.tensor(images, [4, 5, 4, 2])) as tf.Tensor).dataSync() as Float32Array);
      assert.equal(out.length, 24);
      assert.ok(relativeDiff(out, ref) < 1e-4);
      // A longer buffer is fine: only the first n images are used.
      assert.deepEqual([...(await ev.run(images, 2))], [...out.subarray(0, 12)]);
    } finally {
      await ev.release();
    }
  });
  it('refuses too few values, and runs after release', async () => {
    const ev = await createOrtEvaluator(model);
    await assert.rejects(ev.run(new Float32Array(39), 1), (e: unknown) => e instanceof PruneLensError && /5 x 4 x 2/.test(e.message));
    await ev.release();
    await ev.release();
    await assert.rejects(ev.run(new Float32Array(40), 1), /already released/);
  });
  it('refuses a bad thread count', async () => {
    await assert.rejects(createOrtEvaluator(model, { intraOpThreads: 0 }), /thread count/);
  });
});

describe('execution providers', () => {
  const onnx = (): Uint8Array => exportToOnnx(model);
  it('names an unknown provider and lists the available ones', async () => {
    await assert.rejects(createOrtSession(onnx(), { providers: ['bogus'] }), (e: unknown) => {
      assert.ok(e instanceof PruneLensError);
      assert.match(e.message, /"bogus" is not available/);
      assert.match(e.message, /available: .*cpu/);
      return true;
    });
  });
  for (const provider of ['cuda', 'webgpu']) {
    it(`${provider}: works where installed, else a PruneLensError naming it`, async () => {
      const listed = ort.listSupportedBackends().some((b) => b.name === provider);
      try {
        const session = await createOrtSession(onnx(), { providers: [provider] });
        await session.release();
      } catch (e) {
        assert.ok(e instanceof PruneLensError, String(e));
        assert.match(e.message, new RegExp(listed ? `provider\\(s\\) ${provider}: ` : `"${provider}" is not available`));
        assert.ok(!e.message.includes('\n    at '), 'no stack trace in the message');
      }
    });
  }
});
