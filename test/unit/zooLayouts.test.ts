/**
 * The structures pruning has to handle are really in the zoo: residual Adds with 1x1
 * projection shortcuts (ResNet-20, ResNet-18), inverted residuals with ReLU6 (MobileNetV2),
 * and conv bias plus Flatten -> Dense (VGG); and the real-size layouts at 224x224x3 have
 * the published widths, map sizes and multiply-accumulates.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { summarizeModel } from '../../src/core/models/summary';
import { buildModel } from '../../src/core/models/zoo';

before(async () => {
  await tf.setBackend('cpu');
});

function layersOf(model: tf.LayersModel, className: string): string[] {
  return model.layers.filter((l) => l.getClassName() === className).map((l) => l.name);
}

function inboundNames(model: tf.LayersModel, layerName: string): string[] {
  return model.getLayer(layerName).inboundNodes.flatMap((node) => node.inboundLayers.map((l) => l.name));
}

describe('resnet20 layout', () => {
  it('has 3 stages of 3 basic blocks, each ending in Add then ReLU', () => {
    const model = buildModel('resnet20');
    const adds = layersOf(model, 'Add');
    const expected = ['2', '3', '4'].flatMap((s) => ['1', '2', '3'].map((b) => `conv${s}_${b}_add`));
    assert.deepEqual(adds, expected);
    // 1 stem + 9 blocks x 2 + 2 projection shortcuts.
    assert.equal(layersOf(model, 'Conv2D').length, 21);
    model.dispose();
  });

  it('projects the shortcut with a strided 1x1 conv + BN where the width changes', () => {
    const model = buildModel('resnet20');
    for (const [block, width] of [
      ['conv3_1', 32],
      ['conv4_1', 64],
    ] as const) {
      const short = model.getLayer(`${block}_short`).getConfig();
      assert.deepEqual(short['kernelSize'], [1, 1]);
      assert.deepEqual(short['strides'], [2, 2]);
      assert.equal(short['filters'], width);
      assert.deepEqual(inboundNames(model, `${block}_add`), [`${block}_short_bn`, `${block}_b_bn`]);
    }
    assert.deepEqual(inboundNames(model, 'conv2_1_add'), ['conv1_relu', 'conv2_1_b_bn']);
    assert.deepEqual(model.getLayer('conv4_3_relu').outputShape, [null, 7, 7, 64]);
    model.dispose();
  });
});

describe('mobilenetV2 layout', () => {
  it('adds residuals only where stride is 1 and the width is unchanged', () => {
    const model = buildModel('mobilenetV2');
    assert.deepEqual(layersOf(model, 'Add'), ['conv3_2_add', 'conv4_2_add', 'conv4_3_add', 'conv5_2_add', 'conv5_3_add', 'conv6_2_add']);
    assert.deepEqual(inboundNames(model, 'conv4_3_add'), ['conv4_2_add', 'conv4_3_linear_bn']);
    model.dispose();
  });

  it('expands 6x, uses ReLU6, and keeps the projection linear', () => {
    const model = buildModel('mobilenetV2');
    assert.equal(model.getLayer('conv4_2_expand').getConfig()['filters'], 32 * 6);
    assert.equal(model.getLayer('conv4_2_expand_relu').getConfig()['maxValue'], 6);
    assert.throws(() => model.getLayer('conv4_2_linear_relu'));
    // The t=1 first stage has no expand conv.
    assert.throws(() => model.getLayer('conv2_1_expand'));
    assert.deepEqual(model.getLayer('conv7').outputShape, [null, 4, 4, 640]);
    model.dispose();
  });
});

describe('mobilenetV2 at 224x224x3 (the ImageNet layout)', () => {
  it('has the stride-2 stem, seven stages and the 1280-wide head of the paper', () => {
    const model = buildModel('mobilenetV2', { inputShape: [224, 224, 3], numClasses: 1000 });
    assert.deepEqual(model.getLayer('conv1').outputShape, [null, 112, 112, 32]);
    assert.deepEqual(model.getLayer('conv8_1_linear_bn').outputShape, [null, 7, 7, 320]);
    assert.deepEqual(model.getLayer('conv9').outputShape, [null, 7, 7, 1280]);
    assert.equal(layersOf(model, 'Add').length, 10);
    // The paper's 300 M multiply-adds and 3.4 M weights (3.5 M with BatchNorm's).
    const macs = summarizeModel(model).totalMacs;
    assert.ok(Math.abs(macs - 300e6) < 3e6, `${macs} MACs`);
    assert.equal(Math.round(model.countParams() / 1e5), 35);
    model.dispose();
  });
});

describe('resnet18 layout', () => {
  it('has a 7x7 stem with max pooling and four stages of two basic blocks', () => {
    const model = buildModel('resnet18', { inputShape: [224, 224, 3], numClasses: 1000 });
    assert.deepEqual(layersOf(model, 'MaxPooling2D'), ['pool1']);
    assert.deepEqual(model.getLayer('pool1').outputShape, [null, 56, 56, 64]);
    assert.deepEqual(layersOf(model, 'Add'), ['2', '3', '4', '5'].flatMap((s) => [`conv${s}_1_add`, `conv${s}_2_add`]));
    // 1 stem + 8 blocks x 2 + 3 projection shortcuts.
    assert.equal(layersOf(model, 'Conv2D').length, 20);
    assert.deepEqual(inboundNames(model, 'conv3_1_add'), ['conv3_1_short_bn', 'conv3_1_b_bn']);
    assert.deepEqual(model.getLayer('conv5_2_relu').outputShape, [null, 7, 7, 512]);
    // torchvision's resnet18: 1.8 G multiply-adds and 11.7 M weights.
    assert.equal(Math.round(summarizeModel(model).totalMacs / 1e8), 18);
    assert.equal(Math.round(model.countParams() / 1e5), 117);
    model.dispose();
  });
});

describe('vgg layout', () => {
  it('has biased conv-BN-ReLU stages with max pooling, then Flatten -> Dense', () => {
    const model = buildModel('vgg');
    assert.deepEqual(layersOf(model, 'Conv2D'), ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2']);
    for (const name of layersOf(model, 'Conv2D')) assert.equal(model.getLayer(name).getConfig()['useBias'], true);
    assert.deepEqual(layersOf(model, 'MaxPooling2D'), ['pool1', 'pool2', 'pool3']);
    assert.deepEqual(inboundNames(model, 'flatten'), ['pool3']);
    assert.deepEqual(inboundNames(model, 'fc1'), ['flatten']);
    assert.deepEqual(model.getLayer('flatten').outputShape, [null, 4 * 4 * 64]);
    assert.equal(model.getLayer('fc2').getConfig()['activation'], 'linear');
    model.dispose();
  });
});
