/**
 * Parameter names follow PaddleSlim's scheme, do not depend on build order, and unknown
 * names are answered with close suggestions.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { convParams, findParam, listParams } from '../../src/core/models/naming';
import { editDistance } from '../../src/core/models/closestNames';
import { buildModel, ZOO_NAMES } from '../../src/core/models/zoo';
import { UsageError } from '../../src/core/util/errors';

const SEP_ORDER = ['conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv4_1', 'conv4_2', 'conv5_1', 'conv5_2', 'conv5_3', 'conv5_4', 'conv5_5', 'conv5_6', 'conv6'];

describe('parameter naming', () => {
  let v1: tf.LayersModel;
  before(async () => {
    await tf.setBackend('cpu');
    v1 = buildModel('mobilenetV1');
  });

  it("selects MobileNetV1's 13 pointwise convs in network order with '_sep_weights'", () => {
    const seps = listParams(v1).filter((p) => p.name.includes('_sep_weights'));
    assert.deepEqual(
      seps.map((p) => p.name),
      SEP_ORDER.map((b) => `${b}_sep_weights`),
    );
    assert.deepEqual(
      seps.map((p) => p.outChannels),
      [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024],
    );
  });

  it('names every role with its PaddleSlim suffix', () => {
    const byName = new Map(listParams(v1).map((p) => [p.name, p]));
    const expect = (name: string, role: string, layerClass: string, shape: number[], outChannels?: number): void => {
      const p = byName.get(name);
      assert.ok(p !== undefined, `${name} is listed`);
      assert.equal(p.role, role, name);
      assert.equal(p.layerClass, layerClass, name);
      assert.deepEqual(p.shape, shape, name);
      assert.equal(p.outChannels, outChannels, name);
    };
    expect('conv1_weights', 'kernel', 'Conv2D', [3, 3, 1, 32], 32);
    expect('conv1_bn_scale', 'gamma', 'BatchNormalization', [32]);
    expect('conv1_bn_offset', 'beta', 'BatchNormalization', [32]);
    expect('conv1_bn_mean', 'moving_mean', 'BatchNormalization', [32]);
    expect('conv1_bn_variance', 'moving_variance', 'BatchNormalization', [32]);
    expect('conv2_1_dw_weights', 'depthwise_kernel', 'DepthwiseConv2D', [3, 3, 32, 1], 32);
    expect('conv2_1_sep_bn_scale', 'gamma', 'BatchNormalization', [64]);
    expect('fc7_weights', 'kernel', 'Dense', [1024, 10], 10);
    expect('fc7_offset', 'bias', 'Dense', [10]);
    // Stem, 13 x (dw + sep) each with BN (1 kernel + 4 BN params), fc7 kernel and bias.
    assert.equal(byName.size, 27 * 5 + 2);
  });

  it('keeps the TF.js weight name as variablePath, even for a second build in the process', () => {
    const again = buildModel('mobilenetV1');
    const p = listParams(again).find((q) => q.name === 'conv2_1_sep_weights');
    assert.equal(p?.variablePath, 'conv2_1_sep/kernel');
    assert.equal(p?.layerName, 'conv2_1_sep');
    again.dispose();
  });

  it('gives a conv bias and its BN beta different names', () => {
    const names = listParams(buildModel('vgg')).map((p) => p.name);
    assert.ok(names.includes('conv1_1_offset'));
    assert.ok(names.includes('conv1_1_bn_offset'));
    assert.ok(names.includes('fc1_offset'));
  });

  it('gives unique names in every zoo model', () => {
    for (const name of ZOO_NAMES) {
      const model = buildModel(name, { widthMultiplier: 0.25 });
      const names = listParams(model).map((p) => p.name);
      assert.equal(new Set(names).size, names.length, name);
      assert.equal(names.length, model.weights.length, name);
      model.dispose();
    }
  });

  it('convParams returns only conv and depthwise kernels, filtered by substring or regex', () => {
    const all = convParams(v1);
    assert.equal(all.length, 27);
    assert.ok(all.every((p) => p.role === 'kernel' || p.role === 'depthwise_kernel'));
    assert.ok(!all.some((p) => p.name.startsWith('fc7')));
    assert.deepEqual(
      convParams(v1, 'conv5_').map((p) => p.name).slice(0, 2),
      ['conv5_1_dw_weights', 'conv5_1_sep_weights'],
    );
    assert.equal(convParams(v1, /_dw_/).length, 13);
    // A global regex must not skip every other match through its lastIndex.
    assert.equal(convParams(v1, /_sep_weights$/g).length, 13);
  });

  it('findParam returns a known parameter and suggests close names for an unknown one', () => {
    assert.equal(findParam(v1, 'conv4_1_sep_weights').outChannels, 256);
    assert.throws(
      () => findParam(v1, 'conv4_1_sep_weight'),
      (err: unknown) => err instanceof UsageError && err.message.includes("'conv4_1_sep_weight'") && err.message.includes('conv4_1_sep_weights'),
    );
  });

  it('measures edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
});
