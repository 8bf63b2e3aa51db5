import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import type { ImageDataset } from '../../src/core/data/dataset';
import { buildModel } from '../../src/core/models/zoo';
import { buildDependencyGraph, maskModel, planPruning } from '../../src/core/pruning';
import { datasetMetric } from '../../src/core/sensitivity/metrics';

before(async () => {
  await tf.setBackend('cpu');
});

function unlabeledSubset(n: number): ImageDataset {
  const test = loadBuiltinMnist('test');
  return { ...test, source: 'images-only', count: n, images: test.images.subarray(0, n * 784), labels: new Int32Array(n), unlabeled: true };
}

test('the agreement metric works on images without labels; top1 refuses them', async () => {
  const model = buildModel('mobilenetV1', { widthMultiplier: 0.25 });
  const images = unlabeledSubset(256);
  const agreement = datasetMetric(model, images, { metric: 'agreement' });
  assert.equal(await agreement(model), 1, 'the unpruned model agrees with itself');
  const graph = buildDependencyGraph(model);
  const masked = maskModel(model, planPruning(model, graph, { conv2_1_sep_weights: 0.9 }));
  const value = await agreement(masked);
  assert.ok(value >= 0 && value <= 1);
  await assert.rejects(datasetMetric(model, images, { metric: 'top1' })(model), /images-only: has images but no labels file/);
});
