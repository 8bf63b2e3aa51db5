/**
 * The fused training-mode BatchNorm and ReLU kernels on wasm against tf.layers' own
 * composition (moments + batchNorm, relu) on the cpu backend: outputs, batch statistics,
 * moving averages and gradients.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fuseLayersForTraining } from '../../src/core/train/fusedLayers';
import { train } from '../../src/core/train/train';
import { initWasmBackend } from '../../src/core/train/wasmBackend';
import { BATCH_NORM_TRAINING } from '../../src/core/train/wasmKernels/batchNormTraining';
import { RELU_TRAINING } from '../../src/core/train/wasmKernels/reluTraining';
import { useSimd } from '../../src/core/train/wasmKernels/simd/simdKernels';
import { assertClose, onBackend, randomValues, size } from './wasmTestUtil';

before(async () => {
  await initWasmBackend();
});

const EPSILON = 1e-3;

/**
 * y, mean, variance and the gradients of sum(y * r) for x, gamma, beta; fused or composed;
 * with `relu`, y is rectified (by the kernel's attribute, or by tf.relu after batchNorm).
 */
function batchNormCase(shape: number[], seed: number, fused: boolean, relu = false): () => tf.Tensor[] {
  const C = shape[shape.length - 1]!;
  const xv = randomValues(size(shape), seed).map((v, i) => v * 3 + (i % C) * 0.25);
  const gv = randomValues(C, seed + 1).map((v) => v + 1.2);
  const bv = randomValues(C, seed + 2);
  const rv = randomValues(size(shape), seed + 3);
  return () => {
    const x = tf.tensor(xv, shape);
    const gamma = tf.tensor1d(gv);
    const beta = tf.tensor1d(bv);
    const r = tf.tensor(rv, shape);
    const axes = shape.slice(0, -1).map((_, i) => i);
    const forward = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] => {
      if (fused) return tf.engine().runKernel(BATCH_NORM_TRAINING, { x: a, gamma: g, beta: b, movingMean: tf.zeros([C]), movingVariance: tf.ones([C]) }, { epsilon: EPSILON, momentum: 0.9, relu }) as tf.Tensor[];
      const { mean, variance } = tf.moments(a, axes);
      const normed = tf.batchNorm(a, mean, variance, b, g, EPSILON);
      return [relu ? tf.relu(normed) : normed, mean, variance];
    };
    const [y, mean, variance] = forward(x, gamma, beta);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(forward(a, g, b)[0]!, r)))([x, gamma, beta]);
    return [y!, mean!, variance!, ...grads];
  };
}

describe('fused training BatchNorm on wasm matches tf.layers composition on cpu', () => {
  const shapes = [
    [4, 5, 6, 7],
    [3, 16],
    [2, 1, 1, 64],
    [128, 2, 2, 9],
    [5, 3, 3, 1],
    [20, 6, 6, 8],
  ];
  for (const [simd, relu] of [[true, false], [false, false], [true, true], [false, true]] as const) {
    shapes.forEach((shape, i) => {
      test(`shape [${shape.join(', ')}]${relu ? ' with the ReLU folded in' : ''}, ${simd ? 'SIMD where channels allow' : 'JavaScript'} loops`, async () => {
        useSimd(simd);
        try {
          const ref = await onBackend('cpu', batchNormCase(shape, 10 + i * 5, false, relu));
          const got = await onBackend('wasm', batchNormCase(shape, 10 + i * 5, true, relu));
          ['y', 'mean', 'variance', 'dx', 'dGamma', 'dBeta'].forEach((what, k) => assertClose(got[k]!, ref[k]!, `${what} of [${shape.join(', ')}]`, 2e-4, 1e-5));
        } finally {
          useSimd(true);
        }
      });
    });
  }

  test('wrong parameter shapes are refused with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([2, 3, 3, 4]);
    const stats = { beta: tf.zeros([4]), movingMean: tf.zeros([4]), movingVariance: tf.ones([4]) };
    assert.throws(() => tf.engine().runKernel(BATCH_NORM_TRAINING, { x, gamma: tf.ones([3]), ...stats }, { epsilon: EPSILON, momentum: 0.9 }), /gamma must have shape \[4\]/);
    x.dispose();
  });
});

describe('fused training ReLU on wasm matches tf.relu on cpu', () => {
  for (const shape of [[3, 4, 4, 8], [5, 7]]) {
    test(`shape [${shape.join(', ')}]`, async () => {
      const xv = randomValues(size(shape), 55);
      const rv = randomValues(size(shape), 56);
      const run = (fused: boolean) => (): tf.Tensor[] => {
        const f = (a: tf.Tensor): tf.Tensor => (fused ? (tf.engine().runKernel(RELU_TRAINING, { x: a }, {}) as tf.Tensor) : tf.relu(a));
        const x = tf.tensor(xv, shape);
        const r = tf.tensor(rv, shape);
        return [f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), r)))(x)];
      };
      const ref = await onBackend('cpu', run(false));
      const got = await onBackend('wasm', run(true));
      // Exact up to the sign of zero (the cpu gradient multiplies by 0, giving -0 for negative dy).
      assertClose(got[0]!, ref[0]!, 'relu', 0, 0);
      assertClose(got[1]!, ref[1]!, 'relu gradient', 0, 0);
    });
  }
});

function bnModel(): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 6] });
  const bn = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.reLU().apply(bn) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** input -> BN -> ReLU -> output 0, and the BN's output is output 1 as well. */
function sharedBnModel(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 8] });
  const bn = tf.layers.batchNormalization({ momentum: 0.9, name: 'bn' }).apply(input) as tf.SymbolicTensor;
  const relu = tf.layers.reLU({ name: 'relu' }).apply(bn) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [relu, bn] });
}

describe('fuseLayersForTraining', () => {
  test('patches nothing without the SIMD loops (their JavaScript fallbacks are slower than tf.layers)', async () => {
    await tf.setBackend('wasm');
    const model = bnModel();
    useSimd(false);
    try {
      fuseLayersForTraining(model);
      assert.ok(model.layers.every((l) => !Object.hasOwn(l, 'call')));
    } finally {
      useSimd(true);
      model.dispose();
    }
  });

  test('a BatchNorm whose output also goes elsewhere keeps it unrectified', async () => {
    const shape = [5, 4, 4, 8];
    const xv = randomValues(size(shape), 71);
    const run = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = sharedBnModel();
      const unfuse = fuseLayersForTraining(model);
      const values = await onBackend(backend, () => model.apply(tf.tensor(xv, shape), { training: true }) as tf.Tensor[]);
      unfuse();
      model.dispose();
      return values;
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    assert.ok(ref[1]!.some((v) => v < 0), 'the BN output has negative values');
    assertClose(got[0]!, ref[0]!, 'ReLU output', 2e-4, 1e-5);
    assertClose(got[1]!, ref[1]!, 'BN output', 2e-4, 1e-5);
  });

  test('training output, gradients and moving statistics equal the layer on cpu; inference and restore untouched', async () => {
    const shape = [6, 5, 5, 6];
    const xv = randomValues(size(shape), 77).map((v, i) => v * 2 + (i % 6));
    const rv = randomValues(size(shape), 78);
    const run = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = bnModel();
      const gamma = model.getLayer('bn').weights[0]!;
      gamma.write(tf.tensor1d(randomValues(6, 79).map((v) => v + 1)));
      const unfuse = fuseLayersForTraining(model);
      const patched = model.layers.filter((l) => Object.hasOwn(l, 'call')).map((l) => l.getClassName());
      assert.deepEqual(patched, backend === 'wasm' ? ['BatchNormalization', 'ReLU'] : [], `patched on ${backend}`);
      const values = await onBackend(backend, () => {
        const x = tf.tensor(xv, shape);
        const r = tf.tensor(rv, shape);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(model.apply(a, { training: true }) as tf.Tensor, r)))(x);
        const inference = model.apply(x, { training: false }) as tf.Tensor;
        const stats = model.getLayer('bn').weights.slice(2).map((w) => w.read().clone());
        return [value, dx, ...model.trainableWeights.map((w) => grads[w.name]!), ...stats, inference];
      });
      unfuse();
      assert.ok(model.layers.every((l) => !Object.hasOwn(l, 'call')), 'restored');
      model.dispose();
      return values;
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    ['loss', 'dx', 'dGamma', 'dBeta', 'moving mean (two updates)', 'moving variance (two updates)', 'inference output'].forEach((what, k) =>
      assertClose(got[k]!, ref[k]!, what, 2e-4, 1e-5),
    );
  });

  test('train() on wasm runs the fused layers, lowers the loss, and leaves the model unpatched', async () => {
    await tf.setBackend('wasm');
    const model = bnModel();
    const seen = new Set<string>();
    const layer = model.getLayer('bn');
    const trainData = {
      source: 'test',
      images: randomValues(64 * 150, 81).map((v, i) => v + ((Math.floor(i / 150) % 2) * 2 - 1) * 0.5),
      labels: Int32Array.from({ length: 64 }, (_, i) => i % 2),
      count: 64,
      height: 5,
      width: 5,
      channels: 6,
      numClasses: 2,
    };
    // A classifier on top of the BN + ReLU model, so that the dataset fits it.
    const pooled = tf.layers.globalAveragePooling2d({}).apply(model.outputs[0]!) as tf.SymbolicTensor;
    const classifier = tf.model({ inputs: model.inputs, outputs: tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }).apply(pooled) as tf.SymbolicTensor });
    const results = await train(classifier, trainData, {
      epochs: 3,
      batchSize: 16,
      learningRate: 0.1,
      recalibrationBatches: 2,
      onProgress: () => seen.add(Object.hasOwn(layer, 'call') ? 'fused' : 'plain'),
    });
    assert.deepEqual([...seen], ['fused'], 'BatchNorm was fused throughout the run');
    assert.ok(!Object.hasOwn(layer, 'call'), 'restored after the run');
    assert.ok(results[2]!.loss < results[0]!.loss, `loss ${results[0]!.loss} -> ${results[2]!.loss}`);
    classifier.dispose();
  });
});
