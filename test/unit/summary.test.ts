/**
 * MACs and parameter counts follow PaddleSlim's definitions, checked against figures
 * worked out by hand.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { formatSummary, summarizeModel } from '../../src/core/models/summary';
import { buildModel } from '../../src/core/models/zoo';

before(async () => {
  await tf.setBackend('cpu');
});

/** MobileNetV1 at 28x28x1 by hand: [spatial size out, C_in, C_out] per separable block. */
const V1_BLOCKS: [number, number, number][] = [
  [14, 32, 64],
  [7, 64, 128],
  [7, 128, 128],
  [4, 128, 256],
  [4, 256, 256],
  [2, 256, 512],
  [2, 512, 512],
  [2, 512, 512],
  [2, 512, 512],
  [2, 512, 512],
  [2, 512, 512],
  [1, 512, 1024],
  [1, 1024, 1024],
];

function handMobileNetV1(): { macs: number; params: number } {
  let macs = 14 * 14 * 32 * (3 * 3 * 1); // stem, no bias
  let params = 3 * 3 * 1 * 32 + 4 * 32; // stem kernel + its BN
  for (const [size, cin, cout] of V1_BLOCKS) {
    macs += size * size * cin * (3 * 3); // depthwise: one input channel per output
    macs += size * size * cout * cin; // pointwise
    params += 9 * cin + 4 * cin + cin * cout + 4 * cout;
  }
  macs += 1024 * 10; // fc7, bias not counted
  params += 1024 * 10 + 10;
  return { macs, params };
}

describe('model summary', () => {
  it('counts MobileNetV1 at 28x28x1 as worked out by hand', () => {
    const summary = summarizeModel(buildModel('mobilenetV1'));
    const hand = handMobileNetV1();
    assert.equal(summary.totalMacs, hand.macs);
    assert.equal(summary.totalParams, hand.params);
    assert.equal(summary.totalMacs, 10_896_832);
    assert.equal(summary.totalParams, 3_238_538);
    const row = (name: string) => summary.layers.find((l) => l.name === name);
    assert.equal(row('conv1')?.macs, 56_448);
    assert.equal(row('conv2_1_dw')?.macs, 14 * 14 * 32 * 9);
    assert.equal(row('conv6_sep')?.macs, 1024 * 1024);
    assert.equal(row('conv6_sep')?.kernelParam, 'conv6_sep_weights');
    assert.equal(row('fc7')?.macs, 10_240);
    assert.equal(row('conv1_bn')?.macs, 0);
    assert.deepEqual(row('conv5_6_sep')?.outputShape, [[null, 1, 1, 1024]]);
    // Moving mean and variance are parameters but not trainable: 2 x (channels of all BNs).
    assert.equal(summary.totalParams - summary.trainableParams, 2 * (32 + 4960 + 5952));
  });

  it('adds 1 per output element for a conv bias and counts Dense after Flatten as in * out', () => {
    const summary = summarizeModel(buildModel('vgg'));
    const row = (name: string) => summary.layers.find((l) => l.name === name);
    assert.equal(row('conv1_1')?.macs, 28 * 28 * 16 * (3 * 3 * 1 + 1));
    assert.equal(row('conv1_2')?.macs, 28 * 28 * 16 * (3 * 3 * 16 + 1));
    assert.equal(row('fc1')?.macs, 4 * 4 * 64 * 128);
    assert.equal(row('pool1')?.macs, 0);
  });

  it("counts pooling, BatchNorm and ReLU only when asked, as PaddleSlim's only_conv=False", () => {
    const model = buildModel('vgg');
    const full = summarizeModel(model, { onlyConv: false });
    const convOnly = summarizeModel(model);
    const row = (name: string) => full.layers.find((l) => l.name === name);
    assert.equal(row('pool1')?.macs, 14 * 14 * 16 * 2 * 2);
    assert.equal(row('conv1_1_bn')?.macs, 28 * 28 * 16);
    assert.equal(row('conv1_1_relu')?.macs, 28 * 28 * 16);
    assert.equal(row('fc1_relu')?.macs, 128);
    assert.ok(full.totalMacs > convOnly.totalMacs);
  });

  it('counts a residual model and formats a readable table', () => {
    const summary = summarizeModel(buildModel('resnet20'));
    const row = (name: string) => summary.layers.find((l) => l.name === name);
    assert.equal(row('conv3_1_short')?.macs, 14 * 14 * 32 * 16);
    assert.equal(row('conv3_1_add')?.macs, 0);
    const text = formatSummary(summary);
    assert.match(text, /^layer\s+class\s+output\s+params\s+MACs$/m);
    assert.match(text, /conv3_1_short\s+Conv2D\s+\[N,14,14,32\]\s+512\s+100352/);
    assert.match(text, new RegExp(`total MACs ${summary.totalMacs}$`));
  });
});
