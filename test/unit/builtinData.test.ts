import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import { batchCount, batches, permutation } from '../../src/core/data/batches';

test('the built-in split is fixed: 7,996 train and 2,004 test, all classes in both', () => {
  const train = loadBuiltinMnist('train');
  const test = loadBuiltinMnist('test');
  assert.equal(train.count, 7996);
  assert.equal(test.count, 2004);
  for (const ds of [train, test]) {
    const seen = new Set(ds.labels);
    assert.equal(seen.size, 10);
    assert.equal(ds.images.length, ds.count * 784);
  }
  let max = 0;
  for (const v of test.images) max = Math.max(max, v);
  assert.ok(max <= 1 && max > 0.9);
});

test('batches of 128 with drop_last, like the seed', () => {
  const train = loadBuiltinMnist('train');
  assert.equal(batchCount(train, { batchSize: 128, dropLast: true }), 62);
  const sizes = [...batches(train, { batchSize: 128, dropLast: true })].map((b) => b.size);
  assert.equal(sizes.length, 62);
  assert.ok(sizes.every((s) => s === 128));
  const all = [...batches(train, { batchSize: 128 })];
  assert.equal(all.length, 63);
  assert.equal(all.at(-1)?.size, 7996 - 62 * 128);
});

test('shuffling is deterministic for a seed and is a permutation', () => {
  assert.deepEqual(permutation(1000, 7), permutation(1000, 7));
  assert.notDeepEqual(permutation(1000, 7), permutation(1000, 8));
  const p = permutation(1000, 3);
  assert.equal(new Set(p).size, 1000);
  const train = loadBuiltinMnist('train');
  const first = batches(train, { batchSize: 16, shuffleSeed: 5 }).next().value;
  const again = batches(train, { batchSize: 16, shuffleSeed: 5 }).next().value;
  assert.ok(first && again);
  assert.deepEqual(first.labels, again.labels);
  assert.deepEqual(first.images, again.images);
  assert.ok(new Set(first.labels).size > 3, 'a shuffled batch mixes classes');
});
