/**
 * MobileNetV1 matches PaddleSlim's layout (names, widths, strides, no conv bias, logits
 * head) and uses the deliberately chosen BatchNorm settings and initializer scales.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/core/models/zoo';


const BLOCKS = ['conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv4_1', 'conv4_2', 'conv5_1', 'conv5_2', 'conv5_3', 'conv5_4', 'conv5_5', 'conv5_6', 'conv6'];
const WIDTHS = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
const STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
// Spatial size after each block for 28x28 input ('same' padding: ceil(size / stride)).
const SIZES = [14, 7, 7, 4, 4, 2, 2, 2, 2, 2, 2, 1, 1];

function config(model: tf.LayersModel, name: string): Record<string, unknown> {
  return model.getLayer(name).getConfig() as Record<string, unknown>;
}

function std(values: ArrayLike<number>): number {
  const list = Array.from(values);
  const mean = list.reduce((s, v) => s + v, 0) / list.length;
  return Math.sqrt(list.reduce((s, v) => s + (v - mean) ** 2, 0) / list.length);
}

describe('mobilenetV1 layout', () => {
  let model: tf.LayersModel;
  before(async () => {
    await tf.setBackend('cpu');
    model = buildModel('mobilenetV1');
  });

  it('has the stem, 13 separable blocks and the fc7 head in order', () => {
    const expected = ['input', 'conv1', 'conv1_bn', 'conv1_relu'];
    for (const b of BLOCKS) {
      expected.push(`${b}_dw`, `${b}_dw_bn`, `${b}_dw_relu`, `${b}_sep`, `${b}_sep_bn`, `${b}_sep_relu`);
    }
    expected.push('pool', 'fc7');
    assert.deepEqual(
      model.layers.map((l) => l.name),
      expected,
    );
  });

  it('has the published widths, strides and output sizes', () => {
    const stem = config(model, 'conv1');
    assert.equal(stem['filters'], 32);
    assert.deepEqual(stem['strides'], [2, 2]);
    assert.deepEqual(stem['kernelSize'], [3, 3]);
    BLOCKS.forEach((b, i) => {
      assert.deepEqual(config(model, `${b}_dw`)['strides'], [STRIDES[i], STRIDES[i]], `${b}_dw stride`);
      assert.deepEqual(config(model, `${b}_sep`)['strides'], [1, 1], `${b}_sep stride`);
      assert.equal(config(model, `${b}_sep`)['filters'], WIDTHS[i], `${b}_sep width`);
      assert.deepEqual(config(model, `${b}_sep`)['kernelSize'], [1, 1]);
      const size = SIZES[i];
      assert.deepEqual(model.getLayer(`${b}_sep`).outputShape, [null, size, size, WIDTHS[i]], `${b} output`);
    });
  });

  it('has bias-free convs, padding same, and a linear fc7 with bias', () => {
    for (const layer of model.layers) {
      const cls = layer.getClassName();
      if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
        assert.equal(layer.getConfig()['useBias'], false, `${layer.name} has no bias`);
        assert.equal(layer.getConfig()['padding'], 'same');
      }
    }
    const fc = config(model, 'fc7');
    assert.equal(fc['activation'], 'linear');
    assert.equal(fc['useBias'], true);
    assert.equal(fc['units'], 10);
  });

  it('uses BatchNorm momentum 0.9 and epsilon 1e-5 everywhere', () => {
    const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    assert.equal(bns.length, 27);
    for (const bn of bns) {
      assert.equal(bn.getConfig()['momentum'], 0.9, bn.name);
      assert.equal(bn.getConfig()['epsilon'], 1e-5, bn.name);
    }
  });

  it('starts depthwise kernels at std sqrt(2/9) and pointwise at std sqrt(2/C_in)', () => {
    // conv6_dw has 9216 weights, conv6_sep 1M: enough for the sample std to be within 5%.
    const dw = model.getLayer('conv6_dw').getWeights()[0];
    const sep = model.getLayer('conv6_sep').getWeights()[0];
    assert.ok(dw !== undefined && sep !== undefined);
    const dwStd = std(dw.dataSync());
    const sepStd = std(sep.dataSync());
    assert.ok(Math.abs(dwStd / Math.sqrt(2 / 9) - 1) < 0.05, `depthwise std ${dwStd}`);
    assert.ok(Math.abs(sepStd / Math.sqrt(2 / 1024) - 1) < 0.05, `pointwise std ${sepStd}`);
  });

  it('scales widths with the multiplier but not the classes', () => {
    const half = buildModel('mobilenetV1', { widthMultiplier: 0.5 });
    assert.equal(config(half, 'conv1')['filters'], 16);
    assert.equal(config(half, 'conv6_sep')['filters'], 512);
    assert.equal(config(half, 'fc7')['units'], 10);
    half.dispose();
  });
});
