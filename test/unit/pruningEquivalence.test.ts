/**
 * The physically pruned model computes what the masked original computes, on real MNIST
 * digits, for every zoo model and the odd wirings; coupled weights are sliced at the right
 * indices; and the model given to the pruner is never changed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../../src/core/data/batches';
import { modelFingerprint } from '../../src/core/models/io';
import { buildModel, ZOO_NAMES } from '../../src/core/models/zoo';
import { buildDependencyGraph, maskModel, planPruning, pruneModel } from '../../src/core/pruning';
import { randomizeBatchNorms, relativeDiff } from './onnxTestUtil';
import {
  concatModel,
  depthMultiplierModel,
  logits,
  logitsWithActivationMasks,
  mnistImages,
  randomRatios,
  sequentialModel,
  weightOf,
} from './pruningTestModels';

let images: tf.Tensor4D;

before(async () => {
  await tf.setBackend('cpu');
  images = mnistImages(6);
});

after(() => images.dispose());

/**
 * Prunes every prunable group of `model` by a seeded random ratio and compares with the
 * masked model and, when asked, with masking the activations the plan's `masks` name.
 */
function checkPrunedEqualsMasked(model: tf.LayersModel, seed: number, activationMasks = false): void {
  const fingerprint = modelFingerprint(model);
  const originalLogits = logits(model, images);
  const graph = buildDependencyGraph(model);
  const ids = graph.groups.filter((g) => g.prunable).map((g) => g.id);
  const plan = planPruning(model, graph, randomRatios(ids, seededRandom(seed)));
  assert.ok(plan.groups.some((g) => g.pruned.length > 0), 'something is pruned');
  const pruned = pruneModel(model, plan);
  const masked = maskModel(model, plan);
  try {
    const p = logits(pruned, images);
    const m = logits(masked, images);
    assert.ok(relativeDiff(p, m) < 1e-4, `pruned vs masked: ${relativeDiff(p, m)}`);
    if (activationMasks) {
      const a = logitsWithActivationMasks(model, images, plan.groups.flatMap((g) => g.masks));
      assert.ok(relativeDiff(p, a) < 1e-4, `pruned vs masked activations: ${relativeDiff(p, a)}`);
    }
    assert.ok(relativeDiff(m, originalLogits) > 1e-3, 'pruning changed the outputs');
    assert.ok(pruned.countParams() < model.countParams());
    assert.equal(masked.countParams(), model.countParams());
    assert.equal(modelFingerprint(model), fingerprint, 'the input model is untouched');
    assert.deepEqual(logits(model, images), originalLogits);
  } finally {
    pruned.dispose();
    masked.dispose();
  }
}

describe('pruned logits equal masked logits on real digits', () => {
  ZOO_NAMES.forEach((name, i) => {
    it(`${name}, random ratios on every prunable group (also masking activations after maskAfter layers)`, () => {
      const model = buildModel(name, { widthMultiplier: 0.5, seed: 3 });
      // Non-trivial BN shifts, so that masking in the wrong place would show.
      randomizeBatchNorms(model, 20 + i);
      checkPrunedEqualsMasked(model, 100 + i, true);
      model.dispose();
    });
  });

  it('a Concatenate model, a depthwise multiplier and a Sequential model', () => {
    for (const [i, build] of [concatModel, depthMultiplierModel, sequentialModel].entries()) {
      const model = build(5 + i);
      checkPrunedEqualsMasked(model, 200 + i);
      model.dispose();
    }
  });

  it('zeroing only the conv output is NOT equivalent when BN follows (why the mask sits where the group ends)', () => {
    const model = buildModel('mobilenetV1', { widthMultiplier: 0.5, seed: 3 });
    randomizeBatchNorms(model, 9);
    const plan = planPruning(model, buildDependencyGraph(model), { conv2_1_sep_weights: 0.5 });
    const pruned = pruneModel(model, plan);
    const naive = maskModel(model, { ...plan, groups: [] });
    const layer = naive.getLayer('conv2_1_sep');
    const keep = new Float32Array(32).fill(1);
    for (const c of plan.groups[0]?.pruned ?? []) keep[c] = 0;
    layer.setWeights([tf.mul(weightOf(naive, 'conv2_1_sep', 'kernel'), tf.tensor(keep, [1, 1, 1, 32]))]);
    assert.ok(relativeDiff(logits(naive, images), logits(pruned, images)) > 1e-3);
  });
});

describe('coupled weights are sliced at the right indices', () => {
  it('residual Add: every conv of the group keeps the same channels, consumers lose the same inputs', () => {
    const model = buildModel('resnet20', { widthMultiplier: 0.5, seed: 2 });
    const plan = planPruning(model, buildDependencyGraph(model), { conv2_2_b_weights: 0.5 });
    const kept = plan.groups[0]?.kept ?? [];
    assert.equal(kept.length, 4);
    const pruned = pruneModel(model, plan);
    for (const producer of ['conv1', 'conv2_1_b', 'conv2_2_b', 'conv2_3_b']) {
      const expected = tf.gather(weightOf(model, producer, 'kernel'), kept, 3);
      assert.deepEqual(weightOf(pruned, producer, 'kernel').arraySync(), expected.arraySync(), producer);
      assert.deepEqual(weightOf(pruned, `${producer}_bn`, 'gamma').arraySync(), tf.gather(weightOf(model, `${producer}_bn`, 'gamma'), kept).arraySync());
    }
    for (const consumer of ['conv2_1_a', 'conv2_2_a', 'conv2_3_a', 'conv3_1_a', 'conv3_1_short']) {
      assert.deepEqual(weightOf(pruned, consumer, 'kernel').arraySync(), tf.gather(weightOf(model, consumer, 'kernel'), kept, 2).arraySync(), consumer);
    }
    // Naming any conv that feeds the Adds gives the same plan: the group is pruned as one.
    for (const param of ['conv1_weights', 'conv2_1_b_weights', 'conv2_3_b_weights']) {
      assert.deepEqual(planPruning(model, buildDependencyGraph(model), { [param]: 0.5 }).groups, plan.groups, param);
    }
  });

  it("Concatenate: the consumer keeps a's kept channels, then b's shifted by a's width", () => {
    const model = concatModel(3);
    const plan = planPruning(model, buildDependencyGraph(model), { a_weights: 0.5, b_weights: 0.5 });
    const [a, b] = plan.groups;
    assert.ok(a !== undefined && b !== undefined);
    const inputs = [...a.kept, ...b.kept.map((c) => 4 + c)];
    const pruned = pruneModel(model, plan);
    assert.deepEqual(weightOf(pruned, 'c', 'kernel').arraySync(), tf.gather(weightOf(model, 'c', 'kernel'), inputs, 2).arraySync());
    assert.deepEqual(weightOf(pruned, 'cat_bn', 'beta').arraySync(), tf.gather(weightOf(model, 'cat_bn', 'beta'), inputs).arraySync());
    assert.deepEqual(plan.layers.find((l) => l.layer === 'c')?.in?.kept, inputs);
  });

  it('Flatten -> Dense: row (y * W + x) * C + c goes with channel c', () => {
    const model = buildModel('vgg', { widthMultiplier: 0.5, seed: 2 });
    const plan = planPruning(model, buildDependencyGraph(model), { conv3_2_weights: 0.25 });
    const kept = plan.groups[0]?.kept ?? [];
    assert.equal(kept.length, 24);
    const rows = Array.from({ length: 16 }, (_, p) => kept.map((c) => p * 32 + c)).flat();
    const pruned = pruneModel(model, plan);
    assert.deepEqual(weightOf(pruned, 'fc1', 'kernel').arraySync(), tf.gather(weightOf(model, 'fc1', 'kernel'), rows, 0).arraySync());
    assert.deepEqual(weightOf(pruned, 'conv3_2', 'bias').arraySync(), tf.gather(weightOf(model, 'conv3_2', 'bias'), kept).arraySync());
  });

  it('MobileNetV1: pruning a pointwise conv shrinks the next depthwise conv, its BN and the next pointwise input', () => {
    const model = buildModel('mobilenetV1', { widthMultiplier: 0.25 });
    const pruned = pruneModel(model, planPruning(model, buildDependencyGraph(model), { conv2_1_sep_weights: 0.5 }));
    assert.deepEqual(weightOf(pruned, 'conv2_1_sep', 'kernel').shape, [1, 1, 8, 8]);
    assert.deepEqual(weightOf(pruned, 'conv2_2_dw', 'depthwise_kernel').shape, [3, 3, 8, 1]);
    assert.deepEqual(weightOf(pruned, 'conv2_2_dw_bn', 'moving_variance').shape, [8]);
    assert.deepEqual(weightOf(pruned, 'conv2_2_sep', 'kernel').shape, [1, 1, 8, 32]);
  });
});
