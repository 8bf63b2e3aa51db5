/**
 * MACs and parameters before and after pruning match figures worked out by hand with
 * PaddleSlim's definition (conv: H_out * W_out * C_out * kh * kw * C_in / groups, Dense:
 * in * out; no biases in these layers).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/models/zoo';
import { buildDependencyGraph, compareFlops, formatFlopsComparison, planPruning, pruneModel } from '../../src/core/pruning';

before(async () => {
  await tf.setBackend('cpu');
});

/** MobileNetV1 at 28x28x1 by hand: [block, output size, block width] per separable block. */
const V1_BLOCKS: [string, number, number][] = [
  ['conv2_1', 14, 64],
  ['conv2_2', 7, 128],
  ['conv3_1', 7, 128],
  ['conv3_2', 4, 256],
  ['conv4_1', 4, 256],
  ['conv4_2', 2, 512],
  ['conv5_1', 2, 512],
  ['conv5_2', 2, 512],
  ['conv5_3', 2, 512],
  ['conv5_4', 2, 512],
  ['conv5_5', 2, 512],
  ['conv5_6', 1, 1024],
  ['conv6', 1, 1024],
];

/** MACs and params of MobileNetV1 with every pointwise conv keeping `keep` of its channels. */
function handMobileNetV1(keep: number): { macs: number; params: number } {
  let cin = 32;
  let macs = 14 * 14 * 32 * 9;
  let params = 9 * 32 + 4 * 32;
  for (const [, size, width] of V1_BLOCKS) {
    const cout = width * keep;
    macs += size * size * cin * 9 + size * size * cout * cin;
    params += 9 * cin + 4 * cin + cin * cout + 4 * cout;
    cin = cout;
  }
  return { macs: macs + cin * 10, params: params + cin * 10 + 10 };
}

/** ResNet-20 at 28x28x1 MACs with stage 1 `w1` wide and conv3_1_a `a31` wide. */
function handResNet20(w1: number, a31: number): number {
  const conv = (size: number, k: number, cin: number, cout: number): number => size * size * cout * k * k * cin;
  let macs = conv(28, 3, 1, w1);
  for (let i = 0; i < 3; i++) macs += conv(28, 3, w1, 16) + conv(28, 3, 16, w1);
  macs += conv(14, 3, w1, a31) + conv(14, 3, a31, 32) + conv(14, 1, w1, 32);
  for (let i = 0; i < 2; i++) macs += 2 * conv(14, 3, 32, 32);
  macs += conv(7, 3, 32, 64) + conv(7, 3, 64, 64) + conv(7, 1, 32, 64);
  for (let i = 0; i < 2; i++) macs += 2 * conv(7, 3, 64, 64);
  return macs + 64 * 10;
}

describe('FLOPs before and after pruning', () => {
  it('MobileNetV1 at 1x28x28 with all 13 pointwise convs at 0.5', () => {
    const model = buildModel('mobilenetV1');
    const ratios = Object.fromEntries(V1_BLOCKS.map(([block]) => [`${block}_sep_weights`, 0.5]));
    const pruned = pruneModel(model, planPruning(model, buildDependencyGraph(model), ratios));
    const c = compareFlops(model, pruned);
    assert.deepEqual(c.before, handMobileNetV1(1));
    assert.deepEqual(c.after, handMobileNetV1(0.5));
    assert.equal(c.before.macs, 10_896_832);
    assert.equal(c.after.macs, 2_975_584);
    const row = (name: string) => c.layers.find((l) => l.layer === name);
    assert.deepEqual([row('conv2_2_dw')?.macsBefore, row('conv2_2_dw')?.macsAfter], [7 * 7 * 64 * 9, 7 * 7 * 32 * 9]);
    assert.deepEqual([row('conv6_sep')?.macsBefore, row('conv6_sep')?.macsAfter], [1024 * 1024, 512 * 512]);
    assert.equal(row('conv6_sep')?.param, 'conv6_sep_weights');
    assert.deepEqual([row('fc7')?.macsBefore, row('fc7')?.macsAfter], [10_240, 5_120]);
    assert.match(formatFlopsComparison(c), /total MACs 10896832 -> 2975584 \(-72\.7%\)/);
    model.dispose();
    pruned.dispose();
  });

  it('ResNet-20 at 1x28x28: a residual group and an inner conv pruned', () => {
    const model = buildModel('resnet20');
    const plan = planPruning(model, buildDependencyGraph(model), { conv2_3_b_weights: 0.5, conv3_1_a_weights: 0.25 });
    const pruned = pruneModel(model, plan);
    const c = compareFlops(model, pruned);
    assert.equal(c.before.macs, handResNet20(16, 32));
    assert.equal(c.before.macs, 31_021_952);
    assert.equal(c.after.macs, handResNet20(8, 24));
    assert.equal(c.layers.find((l) => l.layer === 'conv3_1_short')?.macsAfter, 14 * 14 * 32 * 8);
  });

  it('counts pooling, BN and activations only when asked (PaddleSlim only_conv=False)', () => {
    const model = buildModel('resnet20', { widthMultiplier: 0.5 });
    const pruned = pruneModel(model, planPruning(model, buildDependencyGraph(model), { conv1_weights: 0.5 }));
    const all = compareFlops(model, pruned, { onlyConv: false });
    const convOnly = compareFlops(model, pruned);
    assert.equal(all.onlyConv, false);
    assert.ok(all.after.macs > convOnly.after.macs);
    const bn = all.layers.find((l) => l.layer === 'conv1_bn');
    assert.deepEqual([bn?.macsBefore, bn?.macsAfter], [28 * 28 * 8, 28 * 28 * 4]);
    assert.equal(convOnly.layers.find((l) => l.layer === 'conv1_bn')?.macsAfter, 0);
  });
});
