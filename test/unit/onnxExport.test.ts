/**
 * The ONNX exporter, layer kind by layer kind: each small model must give the same logits
 * on ONNX Runtime as on TF.js (cpu backend), within 1e-4 relative.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildOnnxGraph, exportToOnnx } from '../../src/core/eval/onnxExport';
import { samePadding } from '../../src/core/eval/exportConv';
import { createOrtSession } from '../../src/core/eval/ortSession';
import { PruneLensError } from '../../src/core/util/errors';
import { apply, checkLayers, parity, randomImages, randomizeWeights } from './onnxTestUtil';
import type { Sym } from './onnxTestUtil';

const L = tf.layers;
const TOL = 1e-4;

async function expectParity(inputShape: number[], body: (x: Sym) => Sym, seed = 1): Promise<void> {
  const { rel } = await checkLayers(inputShape, body, seed);
  assert.ok(rel < TOL, `relative difference ${rel}`);
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('samePadding (TF rule)', () => {
  it('puts the odd pixel after', () => {
    assert.deepEqual(samePadding(7, 3, 2), [1, 1]);
    assert.deepEqual(samePadding(8, 3, 2), [0, 1]);
    assert.deepEqual(samePadding(9, 4, 3), [0, 1]);
    assert.deepEqual(samePadding(9, 3, 3), [0, 0]);
    assert.deepEqual(samePadding(5, 5, 1), [2, 2]);
    assert.deepEqual(samePadding(6, 2, 1), [0, 1]);
    assert.deepEqual(samePadding(7, 3, 1, 2), [2, 2]);
  });
});

describe('exportToOnnx: convolutions', () => {
  it('Conv2D same, odd sizes, stride 2, fused relu', () =>
    expectParity([9, 7, 3], (x) => apply(L.flatten(), apply(L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), x))));
  it('Conv2D same with an even kernel and even size (asymmetric pads)', () =>
    expectParity([8, 6, 2], (x) => apply(L.flatten(), apply(L.conv2d({ filters: 3, kernelSize: [2, 4], strides: [2, 1], padding: 'same' }), x))));
  it('Conv2D valid, kernel 4 stride 3 on odd sizes, no bias', () =>
    expectParity([11, 9, 2], (x) => apply(L.flatten(), apply(L.conv2d({ filters: 5, kernelSize: 4, strides: 3, padding: 'valid', useBias: false }), x))));
  it('Conv2D same with dilation 2', () =>
    expectParity([9, 9, 2], (x) => apply(L.flatten(), apply(L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }), x))));
  it('Conv2D 1x1 on a 1x1 image (exported as Gemm): bias, fused relu, folded BN, stride 2', () =>
    expectParity([1, 1, 6], (x) => {
      const a = apply(L.conv2d({ filters: 5, kernelSize: 1, activation: 'relu' }), x);
      const b = apply(L.batchNormalization({}), apply(L.conv2d({ filters: 4, kernelSize: 1, strides: 2, padding: 'same', useBias: false }), a));
      return apply(L.flatten(), b);
    }));
  describe('1x1 convs on images of at most 4 pixels (one Gemm over the pixels, NHWC result)', () => {
    const pointwise = (filters: number, name?: string): tf.layers.Layer => L.conv2d({ filters, kernelSize: 1, ...(name ? { name } : {}) });
    it('is a Gemm, not a Conv, and feeds a depthwise conv, BN, relu and a second 1x1 conv', async () => {
      const body = (x: Sym): Sym => {
        const a = apply(L.reLU(), apply(L.batchNormalization({}), apply(pointwise(6, 'pw1'), x)));
        const b = apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), a);
        const c = apply(L.batchNormalization({}), apply(pointwise(5), apply(pointwise(4), b)));
        return apply(L.flatten(), c);
      };
      await expectParity([2, 2, 3], body);
      await expectParity([1, 3, 3], body);
      const input = tf.input({ shape: [2, 2, 3] });
      const graph = buildOnnxGraph(tf.model({ inputs: input, outputs: body(input) })).graph.toGraph();
      const gemm = graph.nodes.find((n) => n.opType === 'Gemm' && n.name.startsWith('pw1'));
      assert.ok(gemm);
      assert.equal(graph.nodes.filter((n) => n.opType === 'Conv').length, 1, 'only the depthwise conv stays a Conv');
      // The folded ReLU reads the Gemm's rows directly, so ONNX Runtime can fuse the two.
      assert.ok(graph.nodes.some((n) => n.opType === 'Relu' && n.inputs[0] === gemm.outputs[0]));
    });
    it('meets an NCHW value in Add and Concatenate, and gives a 4-D NHWC output as it is', async () => {
      await expectParity([2, 2, 3], (x) => {
        const skip = apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x);
        const sum = apply(L.add(), [apply(pointwise(4), x), skip]);
        const both = apply(L.concatenate({ axis: -1 }), [apply(pointwise(2), x), apply(pointwise(3), x)]);
        return apply(L.flatten(), apply(L.concatenate({}), [sum, both]));
      });
      await expectParity([2, 2, 3], (x) => apply(L.reLU(), apply(pointwise(4), x)));
    });
    it('feeds pooling, padding and a larger conv (back to NCHW)', () =>
      expectParity([2, 2, 3], (x) => {
        const a = apply(pointwise(4), x);
        const p = apply(L.averagePooling2d({ poolSize: 2, padding: 'same' }), apply(L.zeroPadding2d({ padding: 1 }), a));
        return apply(L.concatenate({}), [apply(L.globalAveragePooling2d({}), a), apply(L.flatten(), apply(L.conv2d({ filters: 2, kernelSize: 2 }), p))]);
      }));
  });
  it('DepthwiseConv2D on a 1x1 image (a per-channel Mul + Add): kernels 3 and 2, dilation 2, stride 2, folded BN', async () => {
    const body = (x: Sym): Sym => {
      const a = apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', name: 'dw1' }), x);
      const b = apply(L.depthwiseConv2d({ kernelSize: 2, strides: 2, padding: 'same' }), a);
      const c = apply(L.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }), b);
      return apply(L.flatten(), apply(L.batchNormalization({}), apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), c)));
    };
    await expectParity([1, 1, 5], body);
    const input = tf.input({ shape: [1, 1, 5] });
    const graph = buildOnnxGraph(tf.model({ inputs: input, outputs: body(input) })).graph.toGraph();
    assert.equal(graph.nodes.filter((n) => n.opType === 'Conv').length, 0);
  });
  it('DepthwiseConv2D, multiplier 1 and 2, same stride 2, relu6', () =>
    expectParity([9, 7, 3], (x) => {
      const a = apply(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }), x);
      const b = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', useBias: false }), a);
      return apply(L.flatten(), b);
    }));
});

describe('exportToOnnx: batch normalization', () => {
  const convBn = (x: Sym): Sym => {
    const c = apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' }), x);
    const b = apply(L.batchNormalization({ name: 'bn1' }), c);
    const d = apply(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', name: 'dw' }), apply(L.reLU(), b));
    const e = apply(L.batchNormalization({ name: 'bn2', epsilon: 1e-5 }), d);
    return apply(L.globalAveragePooling2d({}), e);
  };
  it('folds BN into Conv2D and DepthwiseConv2D', async () => {
    const input = tf.input({ shape: [7, 7, 2] });
    const model = tf.model({ inputs: input, outputs: convBn(input) });
    randomizeWeights(model, 3);
    assert.deepEqual([...buildOnnxGraph(model).foldedBatchNorms].sort(), ['bn1', 'bn2']);
    const images = randomImages(4, 98, 5);
    for (const foldBatchNorm of [true, false]) {
      const { rel } = await parity(model, images, 4, { foldBatchNorm });
      assert.ok(rel < TOL, `fold=${foldBatchNorm}: relative difference ${rel}`);
    }
    assert.deepEqual(buildOnnxGraph(model, { foldBatchNorm: false }).foldedBatchNorms, []);
  });
  it('keeps BN that does not directly follow a linear conv as Mul + Add', async () => {
    const input = tf.input({ shape: [6, 5, 3] });
    const bnIn = apply(L.batchNormalization({ name: 'bn_input' }), input);
    const conv = apply(L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'c_relu' }), bnIn);
    const bnAfterRelu = apply(L.batchNormalization({ name: 'bn_after_relu' }), conv);
    // A conv output used twice cannot be folded into one of its consumers.
    const shared = apply(L.conv2d({ filters: 4, kernelSize: 1, name: 'c_shared' }), bnAfterRelu);
    const bnShared = apply(L.batchNormalization({ name: 'bn_shared' }), shared);
    const sum = apply(L.add(), [bnShared, shared]);
    const dense = apply(L.dense({ units: 6 }), apply(L.flatten(), sum));
    const out = apply(L.batchNormalization({ name: 'bn_dense' }), dense);
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(model, 4);
    assert.deepEqual(buildOnnxGraph(model).foldedBatchNorms, []);
    const { rel } = await parity(model, randomImages(3, 90, 6), 3);
    assert.ok(rel < TOL, `relative difference ${rel}`);
  });
});

describe('exportToOnnx: activations', () => {
  for (const activation of ['relu', 'relu6', 'linear', 'softmax', 'sigmoid', 'tanh', 'elu', 'softplus', 'hardSigmoid', 'swish'] as const) {
    it(`Activation('${activation}') on an image and fused into Dense`, () =>
      expectParity([4, 3, 5], (x) => {
        const a = apply(L.activation({ activation }), apply(L.conv2d({ filters: 6, kernelSize: 1 }), x));
        return apply(L.dense({ units: 4, activation }), apply(L.flatten(), a));
      }));
  }
  it('ReLU(maxValue), LeakyReLU, Softmax layers', () =>
    expectParity([4, 4, 3], (x) => {
      const a = apply(L.reLU({ maxValue: 0.4 }), apply(L.conv2d({ filters: 3, kernelSize: 1 }), x));
      const b = apply(L.leakyReLU({ alpha: 0.2 }), apply(L.conv2d({ filters: 3, kernelSize: 1 }), a));
      // TF.js's Softmax layer only normalises the last axis of a rank-2 input.
      return apply(L.softmax({}), apply(L.flatten(), b));
    }));
  it('ELU and ThresholdedReLU layers', () =>
    expectParity([4, 4, 3], (x) => {
      const a = apply(L.elu({}), apply(L.conv2d({ filters: 3, kernelSize: 1 }), x));
      return apply(L.flatten(), apply(L.thresholdedReLU({ theta: 0.1 }), apply(L.conv2d({ filters: 3, kernelSize: 1 }), a)));
    }));
});

describe('exportToOnnx: padding, pooling, flatten', () => {
  it('ZeroPadding2D (asymmetric and symmetric)', () =>
    expectParity([5, 4, 2], (x) => {
      const a = apply(L.zeroPadding2d({ padding: [[1, 2], [0, 3]] }), x);
      return apply(L.flatten(), apply(L.zeroPadding2d({ padding: [1, 2] }), apply(L.conv2d({ filters: 2, kernelSize: 2 }), a)));
    }));
  it('ZeroPadding2D -> MaxPooling2D pools the zeros (ONNX Runtime must not fold the Pad into the MaxPool)', () =>
    expectParity([2, 2, 3], (x) => {
      // With one real pixel per window, about half the windows hold only a negative value:
      // they must pool the padding's 0, not their real maximum.
      const conv = apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x);
      const down = apply(L.maxPooling2d({ poolSize: 2, padding: 'same' }), apply(L.zeroPadding2d({ padding: 1 }), conv));
      return apply(L.flatten(), down);
    }));
  for (const padding of ['same', 'valid'] as const) {
    it(`MaxPooling2D and AveragePooling2D, ${padding}, odd sizes`, () =>
      expectParity([9, 7, 3], (x) => {
        const m = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding }), x);
        const a = apply(L.averagePooling2d({ poolSize: [2, 3], strides: [2, 2], padding }), x);
        return apply(L.concatenate(), [apply(L.flatten(), m), apply(L.flatten(), a)]);
      }));
  }
  it('Cropping2D (asymmetric and symmetric)', () =>
    expectParity([7, 6, 2], (x) => {
      const a = apply(L.cropping2D({ cropping: [[1, 2], [0, 3]] }), apply(L.conv2d({ filters: 3, kernelSize: 1 }), x));
      return apply(L.flatten(), apply(L.cropping2D({ cropping: [1, 0] }), a));
    }));
  for (const interpolation of ['nearest', 'bilinear'] as const) {
    it(`UpSampling2D, ${interpolation}, unequal factors`, () =>
      expectParity([3, 4, 2], (x) => apply(L.flatten(), apply(L.upSampling2d({ size: [2, 3], interpolation }), apply(L.conv2d({ filters: 3, kernelSize: 1 }), x)))));
  }
  it('Global average and max pooling', () =>
    expectParity([5, 6, 4], (x) => apply(L.add(), [apply(L.globalAveragePooling2d({}), x), apply(L.globalMaxPooling2d({}), x)])));
  it('Flatten -> Dropout -> Dense keeps TF.js H, W, C order', () =>
    expectParity([5, 3, 4], (x) => apply(L.dense({ units: 7 }), apply(L.dropout({ rate: 0.5 }), apply(L.flatten(), apply(L.conv2d({ filters: 3, kernelSize: 2 }), x))))));
  it('works as a Sequential model', async () => {
    const model = tf.sequential({
      layers: [L.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, padding: 'same' }), L.maxPooling2d({ poolSize: 2 }), L.flatten(), L.dense({ units: 3 })],
    });
    randomizeWeights(model, 8);
    const { rel } = await parity(model, randomImages(2, 36, 9), 2);
    assert.ok(rel < TOL, `relative difference ${rel}`);
  });
});

describe('exportToOnnx: merges', () => {
  const branches = (x: Sym): [Sym, Sym, Sym] => [
    apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x),
    apply(L.conv2d({ filters: 4, kernelSize: 1 }), x),
    apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), x),
  ];
  const merges: Record<string, (xs: Sym[]) => Sym> = {
    Add: (xs) => apply(L.add(), xs),
    Multiply: (xs) => apply(L.multiply(), xs),
    Average: (xs) => apply(L.average(), xs),
    Maximum: (xs) => apply(L.maximum(), xs),
    Minimum: (xs) => apply(L.minimum(), xs),
    'Concatenate (channels)': (xs) => apply(L.concatenate(), xs),
    'Concatenate (height)': (xs) => apply(L.concatenate({ axis: 1 }), xs),
  };
  for (const [name, merge] of Object.entries(merges)) {
    it(name, () => expectParity([5, 4, 2], (x) => apply(L.flatten(), merge(branches(x)))));
  }
  it('Concatenate of dense outputs', () =>
    expectParity([3, 3, 2], (x) => {
      const f = apply(L.flatten(), x);
      return apply(L.concatenate(), [apply(L.dense({ units: 3 }), f), apply(L.dense({ units: 2 }), f)]);
    }));
});

describe('exportToOnnx: the graph interface', () => {
  it('has input "input" [N,H,W,C] with a free batch size and output "logits"', async () => {
    const model = tf.sequential({ layers: [L.flatten({ inputShape: [3, 2, 1] }), L.dense({ units: 4 })] });
    const session = await createOrtSession(exportToOnnx(model));
    try {
      assert.deepEqual(session.inputNames, ['input']);
      assert.deepEqual(session.outputNames, ['logits']);
      for (const n of [1, 7]) {
        const { rel } = await parity(model, randomImages(n, 6, n), n);
        assert.ok(rel < TOL);
      }
    } finally {
      await session.release();
    }
  });
  it('keeps the graph names when layers are called "input" and "logits"', async () => {
    const input = tf.input({ shape: [2, 2, 1], name: 'images' });
    const f = apply(L.flatten({ name: 'input' }), input);
    const model = tf.model({ inputs: input, outputs: apply(L.dense({ units: 3, name: 'logits' }), f) });
    randomizeWeights(model, 1);
    const { rel } = await parity(model, randomImages(2, 4, 1), 2);
    assert.ok(rel < TOL);
  });
  it('folds a ReLU or Activation layer that alone reads a conv (+ BN) into it, and reports it once', async () => {
    const input = tf.input({ shape: [5, 5, 2] });
    const a = apply(L.reLU({ name: 'r1' }), apply(L.batchNormalization({ name: 'bn1' }), apply(L.conv2d({ filters: 3, kernelSize: 3, name: 'c1' }), input)));
    const b = apply(L.activation({ activation: 'relu6', name: 'r2' }), apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }), a));
    // Read twice: this conv's output stays a value of its own, and so does its ReLU.
    const c = apply(L.conv2d({ filters: 2, kernelSize: 1, name: 'c2' }), b);
    const d = apply(L.add({ name: 'sum' }), [apply(L.reLU({ name: 'r3' }), c), c]);
    const model = tf.model({ inputs: input, outputs: apply(L.flatten({ name: 'flat' }), d) });
    randomizeWeights(model, 4);
    const seen: string[] = [];
    buildOnnxGraph(model, { afterLayer: (_g, name, v) => (seen.push(name), v) });
    assert.deepEqual(seen, ['r1', 'r2', 'c2', 'r3', 'sum', 'flat']);
    const { rel } = await parity(model, randomImages(3, 50, 7), 3);
    assert.ok(rel < TOL, `relative difference ${rel}`);
  });
  it('calls afterLayer for each layer output, once per folded conv + BN pair', () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const c = apply(L.conv2d({ filters: 2, kernelSize: 3, name: 'conv' }), input);
    const out = apply(L.dense({ units: 2, name: 'fc' }), apply(L.flatten({ name: 'flat' }), apply(L.batchNormalization({ name: 'bn' }), c)));
    const seen: string[] = [];
    buildOnnxGraph(tf.model({ inputs: input, outputs: out }), { afterLayer: (_g, name, v) => (seen.push(name), v) });
    assert.deepEqual(seen, ['bn', 'flat', 'fc']);
  });
  it('names an unsupported layer and its class', () => {
    const model = tf.sequential({ layers: [L.permute({ inputShape: [2, 3, 1], dims: [2, 1, 3], name: 'swap' }), L.flatten(), L.dense({ units: 2 })] });
    assert.throws(() => exportToOnnx(model), (e: unknown) => e instanceof PruneLensError && /"swap" \(Permute\)/.test(e.message));
  });
  it('refuses channelsFirst layers and multi-output models', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const cf = apply(L.conv2d({ filters: 2, kernelSize: 1, dataFormat: 'channelsFirst', name: 'cf' }), input);
    assert.throws(() => exportToOnnx(tf.model({ inputs: input, outputs: apply(L.flatten(), cf) })), /"cf" \(Conv2D\).*channelsFirst/);
    const a = apply(L.flatten(), input);
    assert.throws(() => exportToOnnx(tf.model({ inputs: input, outputs: [a, apply(L.dense({ units: 2 }), a)] })), /one input and one output/);
  });
});
