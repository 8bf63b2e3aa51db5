/**
 * What each of PruneLens's training speed-ups buys (`bench/wasmTrainStep.ts --ablation`):
 * one MobileNetV1 training step (28x28x1, SGD with momentum) under configurations that turn
 * the pieces on one after the other, measured in turn, round after round, in one process,
 * so that the machine's noise is spread over all of them. Each round runs one untimed step
 * per configuration (to settle caches and switch kernels) and then times two.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/core/models/zoo';
import { fuseLayersForTraining } from '../src/core/train/fusedLayers';
import { MomentumOptimizer } from '../src/core/train/momentumOptimizer';
import { initWasmBackend } from '../src/core/train/wasmBackend';
import { useNativeGemm } from '../src/core/train/wasmKernels/nativeGemm';
import { useSimd } from '../src/core/train/wasmKernels/simd/simdKernels';
import { median } from './stats';

interface Configuration {
  readonly label: string;
  readonly fusedLayers: boolean;
  readonly simd: boolean;
  readonly nativeProducts: boolean;
  readonly fusedOptimizer: boolean;
}

const CONFIGURATIONS: readonly Configuration[] = [
  { label: "before: tf.layers' BatchNorm and ReLU, XNNPACK products, JavaScript loops", fusedLayers: false, simd: false, nativeProducts: false, fusedOptimizer: false },
  { label: '+ depthwise gradients in WebAssembly SIMD', fusedLayers: false, simd: true, nativeProducts: false, fusedOptimizer: false },
  { label: '+ fused BatchNorm + ReLU (SIMD)', fusedLayers: true, simd: true, nativeProducts: false, fusedOptimizer: false },
  { label: "+ products on ONNX Runtime's GEMM (1 thread)", fusedLayers: true, simd: true, nativeProducts: true, fusedOptimizer: false },
  { label: '+ one-pass momentum update', fusedLayers: true, simd: true, nativeProducts: true, fusedOptimizer: true },
];

export async function ablation(batch: number, rounds: number): Promise<void> {
  await initWasmBackend();
  const model = buildModel('mobilenetV1', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const optimizers = { stock: tf.train.momentum(0.01, 0.9), fused: new MomentumOptimizer(0.01, 0.9) };
  const xs = tf.randomUniform([batch, 28, 28, 1]);
  const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  let optimizer: tf.Optimizer = optimizers.stock;
  const step = (): void => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
  };
  const walls = CONFIGURATIONS.map(() => [] as number[]);
  const cpus = CONFIGURATIONS.map(() => [] as number[]);
  console.log(`ablation: batch ${batch}, ${rounds} rounds of (1 untimed + 2 timed steps) per configuration`);
  for (let r = 0; r < rounds; r++) {
    CONFIGURATIONS.forEach((c, i) => {
      useSimd(c.simd);
      useNativeGemm(c.nativeProducts);
      optimizer = c.fusedOptimizer ? optimizers.fused : optimizers.stock;
      const unfuse = c.fusedLayers ? fuseLayersForTraining(model) : (): void => undefined;
      step();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      step();
      step();
      const used = process.cpuUsage(c0);
      walls[i]!.push((performance.now() - t0) / 2);
      cpus[i]!.push((used.user + used.system) / 2000);
      unfuse();
    });
  }
  useSimd(true);
  useNativeGemm(true);
  const base = median(cpus[0]!);
  CONFIGURATIONS.forEach((c, i) => {
    const w = median(walls[i]!);
    const cpu = median(cpus[i]!);
    console.log(
      `  ${c.label.padEnd(72)} ${w.toFixed(0).padStart(5)} ms wall (${((batch * 1000) / w).toFixed(0).padStart(4)} img/s), ` +
        `${cpu.toFixed(0).padStart(5)} ms CPU (${((batch * 1000) / cpu).toFixed(0).padStart(4)} img/s), ${(base / cpu).toFixed(2)}x`,
    );
  });
  tf.dispose([xs, ys]);
  optimizers.stock.dispose();
  optimizers.fused.dispose();
}
