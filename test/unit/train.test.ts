import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import type { InMemoryDataset } from '../../src/core/data/dataset';
import { recalibrateBatchNorm } from '../../src/core/train/bnRecalibration';
import { scheduledRate, train } from '../../src/core/train/train';
import { CancelledError } from '../../src/core/util/errors';
import type { ProgressEvent } from '../../src/core/util/progress';

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function subset(ds: InMemoryDataset, n: number, seed = 0): InMemoryDataset {
  // Spread the subset over all classes: the built-in split is ordered by class.
  const step = Math.floor(ds.count / n);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = (i * step + seed) % ds.count;
    images.set(ds.images.subarray(src * 784, (src + 1) * 784), i * 784);
    labels[i] = ds.labels[src] as number;
  }
  return { ...ds, images, labels, count: n };
}

before(async () => {
  await tf.setBackend('cpu');
});

test('training reports progress per batch, drops the last partial batch, and lowers the loss', async () => {
  const model = tinyModel();
  const data = subset(loadBuiltinMnist('train'), 700);
  const events: ProgressEvent[] = [];
  const results = await train(model, data, { epochs: 3, batchSize: 64, learningRate: 0.02, onProgress: (e) => events.push(e) });
  assert.equal(results.length, 3);
  assert.equal(results[0]?.images, 640, '700 images in batches of 64 with drop_last is 10 batches');
  assert.equal(events.filter((e) => e.stage === 'train epoch 1/3').length, 10);
  const lastTrain = events.filter((e) => e.stage.startsWith('train')).at(-1);
  assert.deepEqual([lastTrain?.done, lastTrain?.total], [10, 10]);
  const recal = events.filter((e) => e.stage === 'recalibrate batch norm');
  assert.deepEqual([recal.length, recal.at(-1)?.total], [10, 10], 'BN re-estimation runs over the 10 available batches');
  const first = results[0]?.loss ?? 0;
  const last = results[2]?.loss ?? 0;
  assert.ok(last < first, `loss went from ${first} to ${last}`);
  for (const r of results) assert.ok(r.top5 >= r.top1 && r.top1 >= 0 && r.top5 <= 1);
});

test('training stops with CancelledError at the next batch when the signal fires', async () => {
  const model = tinyModel();
  const controller = new AbortController();
  let batches = 0;
  await assert.rejects(
    train(model, subset(loadBuiltinMnist('train'), 512), {
      batchSize: 64,
      signal: controller.signal,
      onProgress: () => {
        batches++;
        if (batches === 2) controller.abort();
      },
    }),
    CancelledError,
  );
  assert.equal(batches, 2);
});

test('a dataset that does not fit the model is refused before training', async () => {
  const model = tinyModel();
  const ds = loadBuiltinMnist('train');
  const wrong: InMemoryDataset = { ...ds, height: 14, width: 56 };
  await assert.rejects(train(model, wrong), /builtin-mnist:train: images are 14 x 56 x 1 but the model expects 28 x 28 x 1/);
  await assert.rejects(train(model, subset(ds, 10)), /fewer than one batch of 128/);
});

test('the cosine schedule warms up, peaks at the base rate and decays to near zero', () => {
  const total = 100;
  const rates = Array.from({ length: total }, (_, s) => scheduledRate(0.01, 'cosine', s, total));
  assert.ok((rates[0] as number) < 0.01 / 2);
  assert.ok(Math.abs(Math.max(...rates) - 0.01) < 1e-12);
  assert.ok((rates.at(-1) as number) < 0.0001);
  for (let s = 6; s < total; s++) assert.ok((rates[s] as number) <= (rates[s - 1] as number));
  assert.equal(scheduledRate(0.01, 'constant', 50, total), 0.01);
});

test('BatchNorm re-estimation moves the moving statistics and leaves every weight alone', async () => {
  const model = tinyModel();
  const data = subset(loadBuiltinMnist('train'), 256);
  const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization');
  assert.ok(bn);
  const snapshot = (): Float32Array[] => model.getWeights().map((w) => w.dataSync() as Float32Array);
  const before = snapshot();
  const done = await recalibrateBatchNorm(model, data, { batches: 5, batchSize: 64 });
  assert.equal(done, 4);
  const after = snapshot();
  const names = model.weights.map((w) => w.originalName);
  names.forEach((name, i) => {
    const changed = before[i]?.some((v, j) => v !== after[i]?.[j]);
    assert.equal(changed, /moving_(mean|variance)/.test(name), `${name} ${changed ? 'changed' : 'did not change'}`);
  });
});

test('BatchNorm re-estimation sets the statistics to the average over its batches, whatever the momentum; a frozen layer keeps its own', async () => {
  // BN straight on the images: the batches' means average to the mean of the images they cover.
  const input = tf.input({ shape: [28, 28, 1] });
  const slow = tf.layers.batchNormalization({ momentum: 0.99, name: 'slow' }).apply(input) as tf.SymbolicTensor;
  const frozen = tf.layers.batchNormalization({ momentum: 1, name: 'frozen' }).apply(slow) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: frozen });
  const data = subset(loadBuiltinMnist('train'), 256);
  const done = await recalibrateBatchNorm(model, data, { batches: 20, batchSize: 64 });
  assert.equal(done, 4, 'all 256 images, in 4 full batches');
  const moving = (layer: string, stat: string): number => model.getLayer(layer).weights.find((w) => w.originalName.endsWith(stat))!.read().dataSync()[0] as number;
  const mean = data.images.reduce((a, v) => a + v, 0) / data.images.length;
  assert.ok(Math.abs(moving('slow', 'moving_mean') - mean) < 1e-5, `moving mean ${moving('slow', 'moving_mean')}, images' mean ${mean}`);
  // The images' variance lies above the average within-batch variance only by the spread of the batch means.
  const variance = data.images.reduce((a, v) => a + (v - mean) ** 2, 0) / data.images.length;
  assert.ok(Math.abs(moving('slow', 'moving_variance') - variance) < 0.01 * variance, `moving variance ${moving('slow', 'moving_variance')}, images' ${variance}`);
  assert.equal(moving('frozen', 'moving_mean'), 0);
  assert.equal(moving('frozen', 'moving_variance'), 1);
  model.dispose();
});
