/**
 * Training a model whose last layer is a softmax trains on its logits, not softmax of the
 * softmax: the loss of its probabilities is the cross-entropy of the logits inside, and the
 * model learns as the same network ending in logits does.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import type { InMemoryDataset } from '../../src/core/data/dataset';
import { lossOf, outputsProbabilities } from '../../src/core/train/lossOf';
import { train } from '../../src/core/train/train';

before(async () => {
  await tf.setBackend('cpu');
});

function cnn(last: 'logits' | 'dense-softmax' | 'softmax-layer' | 'activation'): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 5, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 10, activation: last === 'dense-softmax' ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(flat) as tf.SymbolicTensor;
  const out = last === 'softmax-layer' ? tf.layers.softmax().apply(dense) : last === 'activation' ? tf.layers.activation({ activation: 'softmax' }).apply(dense) : dense;
  return tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
}

test('a softmax output is recognised, however it is written', () => {
  assert.equal(outputsProbabilities(cnn('logits')), false);
  for (const last of ['dense-softmax', 'softmax-layer', 'activation'] as const) assert.equal(outputsProbabilities(cnn(last)), true, last);
});

test('the loss of probabilities is the cross-entropy of their logits', () => {
  const logits = tf.tensor2d([[2, -1, 0.5], [0, 0, 3]]);
  const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
  const fromLogits = lossOf(cnn('logits'))(y, logits).dataSync()[0] as number;
  const fromProbabilities = lossOf(cnn('dense-softmax'))(y, tf.softmax(logits)).dataSync()[0] as number;
  assert.ok(Math.abs(fromLogits - fromProbabilities) < 1e-5, `${fromLogits} vs ${fromProbabilities}`);
});

test('a softmax model learns as the same network ending in logits does', async () => {
  const all = loadBuiltinMnist('train');
  const n = 1024;
  const data: InMemoryDataset = { ...all, images: all.images.subarray(0, n * 784), labels: all.labels.subarray(0, n), count: n };
  const accuracy = async (last: 'logits' | 'dense-softmax'): Promise<number> => {
    const [epoch] = await train(cnn(last), data, { epochs: 1, batchSize: 32, seed: 5, recalibrationBatches: 0 });
    return epoch?.top1 ?? 0;
  };
  const logits = await accuracy('logits');
  const softmax = await accuracy('dense-softmax');
  assert.ok(logits > 0.5, `the logits model learns (${logits})`);
  assert.ok(Math.abs(softmax - logits) < 0.05, `softmax ${softmax} vs logits ${logits}`);
});
