/**
 * The dependency graph finds every weight axis coupled to a conv's output channels:
 * BN, depthwise chains, residual Adds, Concatenate offsets, Flatten -> Dense rows; and it
 * names the layer that makes a group unprunable.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/models/zoo';
import { buildDependencyGraph, type ChannelGroup } from '../../src/core/pruning';
import { UsageError } from '../../src/core/util/errors';
import { concatModel, depthMultiplierModel, reshapeModel, sequentialModel } from './pruningTestModels';

before(async () => {
  await tf.setBackend('cpu');
});

function members(group: ChannelGroup): string[] {
  return group.members.map((m) => `${m.param}:${m.axis}:${m.role}:${m.offset}+${m.count}`);
}

describe('dependency graph', () => {
  it('MobileNetV1: a pointwise conv, its BN, the next depthwise conv and its BN, and the next pointwise input are one group', () => {
    const graph = buildDependencyGraph(buildModel('mobilenetV1', { widthMultiplier: 0.25 }));
    const group = graph.groupForParam('conv2_1_sep_weights');
    assert.equal(group.id, 'conv2_1_sep_weights');
    assert.deepEqual(group.params, ['conv2_1_sep_weights', 'conv2_2_dw_weights']);
    assert.equal(group.channels, 16);
    assert.ok(group.prunable);
    const bn = (layer: string) => ['scale', 'offset', 'mean', 'variance'].map((s) => `${layer}_${s}:0:channel:0+16`);
    assert.deepEqual(members(group), [
      'conv2_1_sep_weights:3:out:0+16',
      ...bn('conv2_1_sep_bn'),
      'conv2_2_dw_weights:2:channel:0+16',
      ...bn('conv2_2_dw_bn'),
      'conv2_2_sep_weights:2:in:0+16',
    ]);
    assert.deepEqual(group.layers, ['conv2_1_sep', 'conv2_1_sep_bn', 'conv2_1_sep_relu', 'conv2_2_dw', 'conv2_2_dw_bn', 'conv2_2_dw_relu']);
    // Masking must happen where the group ends (after the depthwise BN and ReLU), not after the conv.
    assert.deepEqual(group.maskAfter, ['conv2_2_dw_relu']);
    // A depthwise kernel belongs to the group of the conv before it; BN params find their group too.
    assert.equal(graph.groupForParam('conv2_1_dw_weights').id, 'conv1_weights');
    assert.equal(graph.groupForParam('conv2_2_dw_bn_scale').id, 'conv2_1_sep_weights');
    assert.equal(graph.groups.filter((g) => g.prunable).length, 14);
  });

  it('ResNet-20: every conv feeding a chain of residual Adds is one group', () => {
    const graph = buildDependencyGraph(buildModel('resnet20', { widthMultiplier: 0.25 }));
    const stage1 = graph.groupForParam('conv2_2_b_weights');
    assert.deepEqual(stage1.params, ['conv1_weights', 'conv2_1_b_weights', 'conv2_2_b_weights', 'conv2_3_b_weights']);
    for (const p of stage1.params) assert.equal(graph.groupForParam(p), stage1);
    const inputs = stage1.members.filter((m) => m.role === 'in').map((m) => m.param);
    assert.deepEqual(inputs.sort(), ['conv2_1_a_weights', 'conv2_2_a_weights', 'conv2_3_a_weights', 'conv3_1_a_weights', 'conv3_1_short_weights']);
    const stage3 = graph.groupForParam('conv4_1_short_weights');
    assert.deepEqual(stage3.params, ['conv4_1_short_weights', 'conv4_1_b_weights', 'conv4_2_b_weights', 'conv4_3_b_weights']);
    assert.ok(stage3.members.some((m) => m.param === 'fc_weights' && m.role === 'in' && m.count === 16));
    assert.equal(graph.groupForParam('conv2_1_a_weights').params.length, 1);
  });

  it('Concatenate: each input group owns its slice of the consumers, at its offset', () => {
    const graph = buildDependencyGraph(concatModel());
    const a = graph.groupForParam('a_weights');
    const b = graph.groupForParam('b_weights');
    assert.notEqual(a, b);
    assert.ok(members(a).includes('cat_bn_scale:0:channel:0+4'));
    assert.ok(members(a).includes('c_weights:2:in:0+4'));
    assert.ok(members(b).includes('cat_bn_scale:0:channel:4+6'));
    assert.ok(members(b).includes('c_weights:2:in:4+6'));
    assert.deepEqual(b.maskAfter, ['cat_relu']);
  });

  it('Flatten -> Dense: a channel owns one Dense row per spatial position', () => {
    const graph = buildDependencyGraph(buildModel('vgg', { widthMultiplier: 0.25 }));
    const group = graph.groupForParam('conv3_2_weights');
    // 16 channels on a 4x4 map: 256 rows of fc1, rows (y * 4 + x) * 16 + c.
    assert.ok(members(group).includes('fc1_weights:0:in:0+256'));
    assert.ok(members(group).includes('conv3_2_offset:0:out:0+16'));
    assert.deepEqual(group.maskAfter, ['pool3']);
  });

  it('a depthwise multiplier: output channel c * m + j follows input channel c', () => {
    const graph = buildDependencyGraph(depthMultiplierModel());
    const group = graph.groupForParam('stem_weights');
    assert.deepEqual(group.params, ['stem_weights', 'dw_weights']);
    assert.ok(members(group).includes('dw_offset:0:channel:0+12'));
    assert.ok(members(group).includes('pw_weights:2:in:0+12'));
  });

  it('a Sequential model gets the same treatment', () => {
    const graph = buildDependencyGraph(sequentialModel());
    assert.deepEqual(
      graph.groups.map((g) => [g.id, g.channels, g.prunable]),
      [
        ['c1_weights', 6, true],
        ['c2_weights', 8, true],
        ['d1_weights', 12, true],
        ['d2_weights', 10, false],
      ],
    );
    assert.ok(members(graph.groupForParam('c2_weights')).includes('d1_weights:0:in:0+128'));
  });

  it('a layer the graph cannot see through makes the group unprunable, naming the layer and class', () => {
    const graph = buildDependencyGraph(reshapeModel());
    const group = graph.groupForParam('conv1_weights');
    assert.equal(group.prunable, false);
    assert.match(group.reason ?? '', /'reshape1' \(Reshape\)/);
    assert.equal(graph.groupForParam('conv2_weights').prunable, true);
  });

  it('the logits are the model output: unprunable, with the reason', () => {
    const graph = buildDependencyGraph(buildModel('vgg', { widthMultiplier: 0.25 }));
    const group = graph.groupForParam('fc2_weights');
    assert.equal(group.prunable, false);
    assert.match(group.reason ?? '', /model's output, from layer 'fc2' \(Dense\)/);
  });

  it('an unknown parameter is a UsageError listing the closest names', () => {
    const graph = buildDependencyGraph(buildModel('mobilenetV1', { widthMultiplier: 0.25 }));
    assert.throws(
      () => graph.groupForParam('conv2_1_sep_weight'),
      (err: unknown) => err instanceof UsageError && /unknown parameter 'conv2_1_sep_weight'.*closest known: conv2_1_sep_weights/.test(err.message),
    );
  });
});
