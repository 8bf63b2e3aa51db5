/**
 * The wasm gradient kernels against the cpu backend's, on random data.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradients } from '../../src/core/train/wasmGradients';
import { initWasmBackend } from '../../src/core/train/wasmBackend';
import { nativeGemmStatus, useNativeGemm } from '../../src/core/train/wasmKernels/nativeGemm';
import { useSimd } from '../../src/core/train/wasmKernels/simd/simdKernels';
import { assertClose, onBackend, randomValues, size } from './wasmTestUtil';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

before(async () => {
  await initWasmBackend();
  registerWasmGradients(); // a second call must be harmless
  assert.equal(tf.getBackend(), 'wasm');
});

interface ConvCase {
  x: Shape4;
  f: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

/** Gradients of sum(conv(x, f) * r) with respect to x and f: dy = r. */
function convGrads(c: ConvCase, depthwise: boolean, seed: number): () => tf.Tensor[] {
  const xv = randomValues(size(c.x), seed);
  const fv = randomValues(size(c.f), seed + 1);
  return () => {
    const x = tf.tensor4d(xv, c.x);
    const f = tf.tensor4d(fv, c.f);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D =>
      depthwise ? tf.depthwiseConv2d(a, b, c.strides, c.pad as 'same') : tf.conv2d(a, b, c.strides, c.pad as 'same');
    const outShape = conv(x, f).shape;
    const r = tf.tensor(randomValues(size(outShape), seed + 2), outShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)));
    const [dx, df] = g([x, f]);
    return [dx!, df!];
  };
}

const convCases: ConvCase[] = [
  { x: [3, 5, 5, 4], f: [1, 1, 4, 6], strides: 1, pad: 'same' },
  { x: [3, 5, 5, 8], f: [1, 1, 8, 3], strides: 1, pad: 'valid' },
  { x: [4, 14, 14, 32], f: [1, 1, 32, 64], strides: 1, pad: 'same' },
  { x: [2, 7, 9, 40], f: [1, 1, 40, 24], strides: 1, pad: 'same' },
  { x: [3, 2, 1, 40], f: [1, 1, 40, 48], strides: 1, pad: 'valid' },
  { x: [2, 7, 7, 3], f: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 2], f: [3, 3, 2, 32], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [2, 6, 8, 3], f: [1, 1, 3, 4], strides: 2, pad: 'same' },
  { x: [1, 8, 6, 2], f: [2, 3, 2, 40], strides: [2, 1], pad: 'same' },
  { x: [3, 11, 11, 1], f: [3, 3, 1, 8], strides: 2, pad: 'same' },
  { x: [2, 9, 7, 5], f: [3, 3, 5, 6], strides: 1, pad: 'valid' },
];

/**
 * One test per case: the gradients on wasm, with `toggle(on)` for the duration (the way the
 * products or loops run), against the cpu backend's.
 */
function convGradientTests(cases: ConvCase[], depthwise: boolean, seedBase: number, variant: string, toggle: (on: boolean) => void, on: boolean): void {
  cases.forEach((c, i) => {
    const label = `x ${c.x} f ${c.f} strides ${c.strides} pad ${c.pad}, ${variant}`;
    test(label, async () => {
      toggle(on);
      try {
        const fn = convGrads(c, depthwise, seedBase + i * 7);
        const [dxC, dfC] = await onBackend('cpu', fn);
        const [dxW, dfW] = await onBackend('wasm', fn);
        assertClose(dfW!, dfC!, `${label} dFilter`);
        assertClose(dxW!, dxC!, `${label} dx`);
      } finally {
        toggle(true);
      }
    });
  });
}

describe('Conv2D gradients on wasm match cpu', () => {
  test('the matrix products run on ONNX Runtime', () => {
    assert.match(nativeGemmStatus(), /^ONNX Runtime/);
  });

  for (const native of [true, false]) {
    convGradientTests(convCases, false, 100, native ? 'ONNX Runtime products' : 'XNNPACK products', useNativeGemm, native);
  }

  test('1x1 convolutions forward, with and without bias, match cpu', async () => {
    const xShape: Shape4 = [3, 4, 5, 12];
    const fShape: Shape4 = [1, 1, 12, 20];
    const xv = randomValues(size(xShape), 91);
    const fv = randomValues(size(fShape), 92);
    const bv = randomValues(20, 93);
    const fn = (): tf.Tensor[] => {
      const x = tf.tensor4d(xv, xShape);
      const f = tf.tensor4d(fv, fShape);
      return [tf.conv2d(x, f, 1, 'same'), tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'valid', bias: tf.tensor1d(bv) }), tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', activation: 'relu' })];
    };
    const ref = await onBackend('cpu', fn);
    const got = await onBackend('wasm', fn);
    ref.forEach((r, i) => assertClose(got[i]!, r, `pointwise conv variant ${i}`));
  });

  test('explicit padding, direct kernel calls', async () => {
    const xShape: Shape4 = [2, 6, 7, 3];
    const filterShape: Shape4 = [3, 2, 3, 5];
    const pad: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [0, 1], [0, 0]];
    const strides: [number, number] = [2, 1];
    const ci = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad);
    const xv = randomValues(size(xShape), 5);
    const dyv = randomValues(size(ci.outShape), 6);
    const fv = randomValues(size(filterShape), 7);
    const fn = (): tf.Tensor[] => {
      const x = tf.tensor4d(xv, xShape);
      const dy = tf.tensor4d(dyv, ci.outShape);
      const f = tf.tensor4d(fv, filterShape);
      const dF = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor;
      const dX = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { strides, pad, dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor;
      return [dF, dX];
    };
    const [dfC, dxC] = await onBackend('cpu', fn);
    const [dfW, dxW] = await onBackend('wasm', fn);
    assertClose(dfW!, dfC!, 'explicit pad dFilter');
    assertClose(dxW!, dxC!, 'explicit pad dx');
  });

  test('NCHW is refused with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 3, 4, 4]);
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [1, 1, 2, 3] }),
      /NHWC/,
    );
    tf.dispose([x, dy]);
  });
});

const depthwiseCases: ConvCase[] = [
  { x: [3, 7, 7, 5], f: [3, 3, 5, 1], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 6], f: [3, 3, 6, 1], strides: 2, pad: 'same' },
  { x: [2, 7, 7, 16], f: [3, 3, 16, 1], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 4], f: [3, 3, 4, 1], strides: 2, pad: 'valid' },
  { x: [2, 6, 5, 3], f: [5, 5, 3, 1], strides: 1, pad: 'valid' },
  { x: [4, 1, 1, 32], f: [3, 3, 32, 1], strides: 1, pad: 'same' },
  { x: [5, 2, 2, 64], f: [3, 3, 64, 1], strides: 1, pad: 'same' },
  { x: [20, 5, 5, 8], f: [3, 3, 8, 1], strides: 2, pad: 'same' },
  { x: [3, 7, 6, 12], f: [3, 3, 12, 1], strides: [2, 1], pad: 'valid' },
];

describe('DepthwiseConv2dNative gradients on wasm match cpu', () => {
  for (const simd of [true, false]) {
    convGradientTests(depthwiseCases, true, 300, simd ? 'SIMD where channels allow' : 'JavaScript', useSimd, simd);
  }

  test('dilation 2 equals the zero-expanded 5x5 filter on cpu', async () => {
    // The cpu backend's depthwise gradients ignore dilations, so the reference is the
    // equivalent undilated 5x5 filter with zeros between the taps.
    const xShape: Shape4 = [2, 9, 8, 4];
    const filterShape: Shape4 = [3, 3, 4, 1];
    const wideShape: Shape4 = [5, 5, 4, 1];
    const ci = tf.backend_util.computeConv2DInfo(xShape, filterShape, 1, 2, 'same', undefined, true);
    const xv = randomValues(size(xShape), 11);
    const dyv = randomValues(size(ci.outShape), 12);
    const fv = randomValues(size(filterShape), 13);
    const wide = new Float32Array(size(wideShape));
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let c = 0; c < 4; c++) wide[(kh * 2 * 5 + kw * 2) * 4 + c] = fv[(kh * 3 + kw) * 4 + c]!;
    const run = (dilations: number, fShape: Shape4, fVals: Float32Array) => (): tf.Tensor[] => {
      const attrs = { strides: 1, pad: 'same' as const, dilations };
      const x = tf.tensor4d(xv, xShape);
      const dy = tf.tensor4d(dyv, ci.outShape);
      const f = tf.tensor4d(fVals, fShape);
      const dF = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }) as tf.Tensor;
      const dX = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape }) as tf.Tensor;
      return [dF, dX];
    };
    const [dfWide, dxC] = await onBackend('cpu', run(1, wideShape, wide));
    const [dfW, dxW] = await onBackend('wasm', run(2, filterShape, fv));
    const dfC = new Float32Array(size(filterShape));
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let c = 0; c < 4; c++) dfC[(kh * 3 + kw) * 4 + c] = dfWide![(kh * 2 * 5 + kw * 2) * 4 + c]!;
    assertClose(dfW!, dfC, 'dilated dFilter');
    assertClose(dxW!, dxC!, 'dilated dx');
  });

  test('depth multiplier 2 is refused with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]);
    const f = tf.zeros([3, 3, 2, 2]);
    const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')));
    assert.throws(() => grad(x), /depth multiplier 1/);
    tf.dispose([x, f]);
  });
});

describe('replaced wasm kernels match cpu', () => {
  test('BatchMatMul of single matrices, every transposition, and a true batch', async () => {
    const fn = (): tf.Tensor[] => {
      const a = tf.tensor(randomValues(6 * 5, 81), [6, 5]);
      const b = tf.tensor(randomValues(5 * 7, 82), [5, 7]);
      const at = tf.tensor(randomValues(5 * 6, 83), [5, 6]);
      const bt = tf.tensor(randomValues(7 * 5, 84), [7, 5]);
      const batch = tf.tensor(randomValues(3 * 6 * 5, 85), [3, 6, 5]);
      return [
        tf.matMul(a, b),
        tf.matMul(at, b, true, false),
        tf.matMul(a, bt, false, true),
        tf.matMul(at, bt, true, true),
        tf.matMul(a.reshape([1, 6, 5]), b.reshape([1, 5, 7])),
        tf.matMul(batch, b),
      ];
    };
    const ref = await onBackend('cpu', fn);
    const got = await onBackend('wasm', fn);
    ref.forEach((r, i) => assertClose(got[i]!, r, `product ${i}`));
    await tf.setBackend('wasm');
    const shapes = tf.tidy(() => fn().map((t) => t.shape));
    assert.deepEqual(shapes, [[6, 7], [6, 7], [6, 7], [6, 7], [1, 6, 7], [3, 6, 7]]);
  });

  test('depthwise input gradient with pads larger than the window (loop path)', async () => {
    const xShape: Shape4 = [2, 5, 6, 3];
    const filterShape: Shape4 = [3, 3, 3, 1];
    const pad: tf.backend_util.ExplicitPadding = [[0, 0], [3, 1], [0, 4], [0, 0]];
    const ci = tf.backend_util.computeConv2DInfo(xShape, filterShape, 1, 1, pad, undefined, true);
    const dyv = randomValues(size(ci.outShape), 31);
    const fv = randomValues(size(filterShape), 32);
    const fn = (): tf.Tensor[] => {
      const dy = tf.tensor4d(dyv, ci.outShape);
      const f = tf.tensor4d(fv, filterShape);
      return [tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { strides: 1, pad, dilations: 1, inputShape: xShape }) as tf.Tensor];
    };
    const [c] = await onBackend('cpu', fn);
    const [w] = await onBackend('wasm', fn);
    assertClose(w!, c!, 'large-pad dx');
  });

  test('Tile', async () => {
    const cases: [number[], number[]][] = [
      [[1, 1, 1, 5], [3, 4, 2, 1]],
      [[2, 3], [2, 3]],
      [[3, 1, 2], [1, 4, 1]],
      [[4], [3]],
      [[2, 2, 3], [1, 1, 1]],
    ];
    for (const [shape, reps] of cases) {
      const v = randomValues(size(shape), 41);
      const fn = (): tf.Tensor[] => [tf.tile(tf.tensor(v, shape), reps)];
      const [c] = await onBackend('cpu', fn);
      const [w] = await onBackend('wasm', fn);
      assert.deepEqual(Array.from(w!), Array.from(c!), `tile ${shape} by ${reps}`);
    }
    await tf.setBackend('wasm');
    const ints = tf.tile(tf.tensor1d([1, 2], 'int32'), [3]);
    assert.deepEqual(Array.from(ints.dataSync()), [1, 2, 1, 2, 1, 2]);
    assert.equal(ints.dtype, 'int32');
    ints.dispose();
  });

  test('Sum and Mean over leading and other axes', async () => {
    const shape = [5, 3, 4, 7];
    const v = randomValues(size(shape), 51);
    const axesList: (number | number[])[] = [[0, 1, 2], [0], [1, 0], [0, 1, 2, 3], [3], [1, 2], -1];
    for (const axes of axesList) {
      for (const keepDims of [false, true]) {
        const fn = (): tf.Tensor[] => {
          const x = tf.tensor(v, shape);
          return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)];
        };
        await tf.setBackend('wasm');
        const shapes = tf.tidy(() => fn().map((t) => t.shape));
        await tf.setBackend('cpu');
        const cpuShapes = tf.tidy(() => fn().map((t) => t.shape));
        assert.deepEqual(shapes, cpuShapes, `shapes for axes ${axes} keepDims ${keepDims}`);
        const [sc, mc] = await onBackend('cpu', fn);
        const [sw, mw] = await onBackend('wasm', fn);
        assertClose(sw!, sc!, `sum ${axes} ${keepDims}`);
        assertClose(mw!, mc!, `mean ${axes} ${keepDims}`);
      }
    }
  });

  test('FusedBatchNorm with per-channel, scalar and missing parameters', async () => {
    const shape: Shape4 = [3, 4, 5, 6];
    const xv = randomValues(size(shape), 61);
    const p = (seed: number, n = 6): Float32Array => randomValues(n, seed).map((u) => u + 1.5);
    const fn = (): tf.Tensor[] => {
      const x = tf.tensor4d(xv, shape);
      const mean = tf.tensor1d(randomValues(6, 62));
      const variance = tf.tensor1d(p(63));
      return [
        tf.batchNorm(x, mean, variance, tf.tensor1d(randomValues(6, 64)), tf.tensor1d(p(65)), 1e-3),
        tf.batchNorm(x, mean, variance),
        tf.batchNorm(x, tf.scalar(0.3), tf.scalar(2), tf.scalar(-1), tf.scalar(0.5), 1e-5),
        tf.batchNorm(x, mean.reshape([1, 1, 1, 6]), variance.reshape([1, 1, 1, 6])),
      ];
    };
    const c = await onBackend('cpu', fn);
    const w = await onBackend('wasm', fn);
    c.forEach((ref, i) => assertClose(w[i]!, ref, `batchNorm variant ${i}`));
  });
});

/** Conv2D (stride 2) + BN + ReLU + DepthwiseConv2D + BN + ReLU + pointwise + BN + ReLU + GAP + Dense. */
function tinyModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  m.add(tf.layers.batchNormalization({ momentum: 0.9 }));
  m.add(tf.layers.reLU());
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  m.add(tf.layers.batchNormalization({ momentum: 0.9 }));
  m.add(tf.layers.reLU());
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  m.add(tf.layers.batchNormalization({ momentum: 0.9 }));
  m.add(tf.layers.reLU());
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return m;
}

describe('end to end on wasm', () => {
  test('a tiny Conv/Depthwise/BN network: gradients match cpu and training lowers the loss', async () => {
    const batch = 12;
    const xv = randomValues(batch * 9 * 9 * 2, 21);
    const labels = Array.from({ length: batch }, (_, i) => i % 3);
    // Make the classes separable: shift each image by its label.
    for (let i = 0; i < batch; i++) for (let j = 0; j < 162; j++) xv[i * 162 + j]! += labels[i]! * 0.5 * (j % 2 === 0 ? 1 : -1);

    await tf.setBackend('wasm');
    const model = tinyModel();
    const weights = model.getWeights().map((w) => ({ shape: w.shape, values: Float32Array.from(w.dataSync() as Float32Array) }));

    const gradsOn = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
      return onBackend(backend, () => {
        const x = tf.tensor4d(xv, [batch, 9, 9, 2]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
        const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
        return model.trainableWeights.map((w) => grads[w.originalName]!);
      });
    };
    const gC = await gradsOn('cpu');
    const gW = await gradsOn('wasm');
    assert.equal(gW.length, model.trainableWeights.length);
    gW.forEach((g, i) => assertClose(g, gC[i]!, `gradient of ${model.trainableWeights[i]!.originalName}`, 2e-4));

    await tf.setBackend('wasm');
    model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor4d(xv, [batch, 9, 9, 2]);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const lossFn = (): number => tf.tidy(() => (tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar).dataSync()[0]!);
    const optimizer = tf.train.sgd(0.1);
    const first = lossFn();
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      const l = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true);
      losses.push(l!.dataSync()[0]!);
      l!.dispose();
    }
    const last = lossFn();
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(last < first * 0.8, `loss did not fall enough: ${first} -> ${last} (${losses.map((l) => l.toFixed(3)).join(', ')})`);
    tf.dispose([xs, ys]);
    optimizer.dispose();
  });

  test('no wasm memory leaks from the kernels', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 6, 6, 4]) as tf.Tensor4D;
    const f = tf.randomNormal([1, 1, 4, 8]) as tf.Tensor4D;
    const d = tf.randomNormal([3, 3, 4, 1]) as tf.Tensor4D;
    const step = (): void => {
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.conv2d(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'same'), b as tf.Tensor4D, 1, 'same')),
        );
        g([x, f, d]).forEach((t) => t.dataSync());
      });
    };
    step();
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(backend.numDataIds(), before);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    tf.dispose([x, f, d]);
  });
});
