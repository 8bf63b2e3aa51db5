/**
 * PruneLens's SGD with momentum against tf.train.momentum: the same numbers on the cpu
 * backend (its composed arithmetic) and on wasm (one fused kernel per variable, SIMD with a
 * scalar tail), with the rate changed between steps as the cosine schedule does.
 */
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MomentumOptimizer } from '../../src/core/train/momentumOptimizer';
import { initWasmBackend } from '../../src/core/train/wasmBackend';
import { useSimd } from '../../src/core/train/wasmKernels/simd/simdKernels';
import { assertClose, onBackend, randomValues } from './wasmTestUtil';

before(async () => {
  await initWasmBackend();
});

const SIZES = [10, 16, 37];

/** Values of three variables after three steps with fixed gradients and a changing rate. */
function run(ours: boolean): () => tf.Tensor[] {
  return () => {
    const vars = SIZES.map((n, i) => tf.variable(tf.tensor1d(randomValues(n, 200 + i)), true, `momentum-test-${ours}-${tf.getBackend()}-${i}-${Math.random()}`));
    const optimizer = ours ? new MomentumOptimizer(0.1, 0.9) : tf.train.momentum(0.1, 0.9);
    const rates = [0.1, 0.05, 0.02];
    rates.forEach((rate, step) => {
      optimizer.setLearningRate(rate);
      optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor1d(randomValues(v.size, 300 + 10 * step + i)) })));
    });
    optimizer.dispose();
    const values = vars.map((v) => v.clone());
    tf.dispose(vars);
    return values;
  };
}

for (const simd of [true, false]) {
  test(`the same updates as tf.train.momentum on cpu and wasm (${simd ? 'SIMD' : 'JavaScript'} loops)`, async () => {
    useSimd(simd);
    try {
      const reference = await onBackend('cpu', run(false));
      for (const [backend, values] of [['cpu', await onBackend('cpu', run(true))], ['wasm', await onBackend('wasm', run(true))]] as const) {
        values.forEach((v, i) => assertClose(v, reference[i]!, `variable ${i} on ${backend}`, 0, 1e-7));
      }
    } finally {
      useSimd(true);
    }
  });
}
