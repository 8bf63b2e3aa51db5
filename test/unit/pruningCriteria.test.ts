/**
 * Importance criteria score channels as worked out by hand, residual groups combine their
 * producers' normalised scores, and the number pruned follows PaddleSlim (round half to
 * even, capped at n - 1) with optional rounding of the kept count.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/models/zoo';
import { buildDependencyGraph, groupImportance, planPruning, prunedChannelCount, type Criterion } from '../../src/core/pruning';
import { PruneLensError, UsageError } from '../../src/core/util/errors';
import { reshapeModel } from './pruningTestModels';

before(async () => {
  await tf.setBackend('cpu');
});

/** Filters of conv 'k' (1x1, 2 inputs): f0 = (1.2, 0), f1 = (0.8, 0.8), f2 = (3, 0), f3 = (-0.2, 0.1). */
const FILTERS = [
  [1.2, 0],
  [0.8, 0.8],
  [3, 0],
  [-0.2, 0.1],
];
const GAMMA = [0.5, -2, 0.1, 1];

function handModel(): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [2, 2, 2] });
  const k = tf.layers.conv2d({ name: 'k', filters: 4, kernelSize: 1, useBias: false });
  const kBn = tf.layers.batchNormalization({ name: 'k_bn' });
  let x = kBn.apply(k.apply(input)) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'k_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'next', filters: 2, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ name: 'hand', inputs: input, outputs: tf.layers.dense({ name: 'fc', units: 2 }).apply(x) as tf.SymbolicTensor });
  // Kernel [1, 1, 2, 4]: element [0, 0, i, f] is input i of filter f.
  const kernel = [0, 1].flatMap((i) => FILTERS.map((f) => f[i] as number));
  k.setWeights([tf.tensor(kernel, [1, 1, 2, 4])]);
  kBn.setWeights([tf.tensor(GAMMA), tf.zeros([4]), tf.zeros([4]), tf.ones([4])]);
  return model;
}

/** Two 1x1 convs on a 1-channel input, added: a's filters are [1, 5, 3], b's [20, 10, 30]. */
function residualModel(): tf.LayersModel {
  const input = tf.input({ name: 'input', shape: [2, 2, 1] });
  const a = tf.layers.conv2d({ name: 'a', filters: 3, kernelSize: 1, useBias: false });
  const b = tf.layers.conv2d({ name: 'b', filters: 3, kernelSize: 1, useBias: false });
  const sum = tf.layers.add({ name: 'add' }).apply([a.apply(input) as tf.SymbolicTensor, b.apply(input) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const next = tf.layers.conv2d({ name: 'next', filters: 2, kernelSize: 1 }).apply(sum) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(next) as tf.SymbolicTensor;
  const model = tf.model({ name: 'residual', inputs: input, outputs: tf.layers.dense({ name: 'fc', units: 2 }).apply(pooled) as tf.SymbolicTensor });
  a.setWeights([tf.tensor([1, 5, 3], [1, 1, 1, 3])]);
  b.setWeights([tf.tensor([20, 10, 30], [1, 1, 1, 3])]);
  return model;
}

function dist(a: number[], b: number[]): number {
  return Math.hypot(...a.map((v, i) => v - (b[i] as number)));
}

const HAND: Record<Criterion, number[]> = {
  l1_norm: FILTERS.map((f) => Math.abs(f[0] as number) + Math.abs(f[1] as number)),
  l2_norm: FILTERS.map((f) => Math.hypot(...f)),
  geometry_median: FILTERS.map((f) => FILTERS.reduce((s, g) => s + dist(f, g), 0)),
  bn_scale: GAMMA.map(Math.abs),
};

/** The two lowest channels by hand: [1.2, 1.6, 3, 0.3] -> {3, 0}; etc. */
const PRUNED_AT_HALF: Record<Criterion, number[]> = {
  l1_norm: [0, 3],
  l2_norm: [1, 3],
  geometry_median: [0, 1],
  bn_scale: [0, 2],
};

describe('importance criteria', () => {
  for (const criterion of Object.keys(HAND) as Criterion[]) {
    it(`${criterion} scores filters as computed by hand and prunes the lowest`, () => {
      const model = handModel();
      const graph = buildDependencyGraph(model);
      const g = graph.groups.indexOf(graph.groupForParam('k_weights'));
      const scores = Array.from(groupImportance(model, graph, g, criterion));
      // One producer: its scores divided by their mean.
      const hand = HAND[criterion];
      const mean = hand.reduce((a, b) => a + b, 0) / hand.length;
      scores.forEach((s, i) => assert.ok(Math.abs(s - (hand[i] as number) / mean) < 1e-6, `${criterion}[${i}]: ${s}`));
      const plan = planPruning(model, graph, { k_weights: 0.5 }, { criterion });
      assert.deepEqual(plan.groups[0]?.pruned, PRUNED_AT_HALF[criterion]);
    });
  }

  it("a residual group sums each producer's scores divided by their mean", () => {
    const model = residualModel();
    const graph = buildDependencyGraph(model);
    const group = graph.groupForParam('b_weights');
    assert.deepEqual(group.params, ['a_weights', 'b_weights']);
    const scores = Array.from(groupImportance(model, graph, graph.groups.indexOf(group), 'l1_norm'));
    // a: [1, 5, 3] / 3; b: [20, 10, 30] / 20. Raw sums (21, 15, 33) would prune channel 1.
    const hand = [1 / 3 + 1, 5 / 3 + 0.5, 1 + 1.5];
    scores.forEach((s, i) => assert.ok(Math.abs(s - (hand[i] as number)) < 1e-9));
    assert.deepEqual(planPruning(model, graph, { a_weights: 0.3 }).groups[0]?.pruned, [0]);
  });

  it('bn_scale without a BatchNormalization after the conv is refused', () => {
    const model = residualModel();
    assert.throws(() => planPruning(model, buildDependencyGraph(model), { a_weights: 0.3 }, { criterion: 'bn_scale' }), /bn_scale needs a BatchNormalization .* 'a' \(Conv2D\)/);
  });
});

describe('how many channels go', () => {
  it('round(n * ratio) with halves to even (Python round), at most n - 1', () => {
    assert.equal(prunedChannelCount(5, 0.5), 2);
    assert.equal(prunedChannelCount(7, 0.5), 4);
    assert.equal(prunedChannelCount(10, 0.3), 3);
    assert.equal(prunedChannelCount(64, 0.1), 6);
    assert.equal(prunedChannelCount(4, 0.99), 3);
    assert.equal(prunedChannelCount(1, 0.9), 0);
    assert.equal(prunedChannelCount(64, 0), 0);
  });

  it('round-to K raises the kept count to a multiple of K, never above n', () => {
    assert.equal(prunedChannelCount(16, 0.3, 4), 4); // 5 pruned would keep 11 -> keep 12
    assert.equal(prunedChannelCount(64, 0.5, 8), 32);
    assert.equal(prunedChannelCount(10, 0.1, 4), 0); // keeping 9 -> 12 is more than 10
    const model = buildModel('mobilenetV1', { widthMultiplier: 0.25 });
    const plan = planPruning(model, buildDependencyGraph(model), { conv6_sep_weights: 0.3 }, { roundTo: 8 });
    assert.equal(plan.groups[0]?.kept.length, 184);
  });
});

describe('planning refuses bad requests', () => {
  const model = residualModel();
  const graph = buildDependencyGraph(model);

  it('a ratio outside [0, 1) is a UsageError', () => {
    for (const bad of [1, -0.1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => planPruning(model, graph, { a_weights: bad }), (e: unknown) => e instanceof UsageError && /must be a number in \[0, 1\)/.test(e.message));
    }
    assert.throws(() => planPruning(model, graph, { a_weights: '0.5' as unknown as number }), UsageError);
  });

  it('two different ratios for one group are a UsageError; the same ratio is fine', () => {
    assert.throws(() => planPruning(model, graph, { a_weights: 0.3, b_weights: 0.6 }), /pruned together as one group/);
    assert.equal(planPruning(model, graph, { a_weights: 0.3, b_weights: 0.3 }).groups.length, 1);
  });

  it('an unknown criterion or round-to is a UsageError', () => {
    assert.throws(() => planPruning(model, graph, { a_weights: 0.3 }, { criterion: 'l3' as Criterion }), UsageError);
    assert.throws(() => planPruning(model, graph, { a_weights: 0.3 }, { roundTo: 0 }), UsageError);
  });

  it('pruning an unprunable group names the layer and class that stop it', () => {
    const reshape = reshapeModel();
    const reshapeGraph = buildDependencyGraph(reshape);
    assert.throws(
      () => planPruning(reshape, reshapeGraph, { conv1_weights: 0.5 }),
      (e: unknown) => e instanceof PruneLensError && !(e instanceof UsageError) && /cannot prune 'conv1_weights'.*'reshape1' \(Reshape\)/.test(e.message),
    );
    // A zero ratio asks for nothing and is accepted.
    assert.deepEqual(planPruning(reshape, reshapeGraph, { conv1_weights: 0 }).groups[0]?.pruned, []);
  });
});
