/**
 * `npx tsx bench/wasmTrainStep.ts [--batch 128] [--steps 6] [--warmup 2] [--profile] [--stock-layers] [--gradients-only]`
 * `npx tsx bench/wasmTrainStep.ts --ablation [--rounds 8]`
 *
 * One training step of the zoo's MobileNetV1 for 28x28x1 inputs on the TF.js wasm backend, as
 * `train()` runs it (SGD with momentum, softmax cross-entropy on the logits, BatchNorm and ReLU
 * through the fused kernels). --stock-layers keeps tf.layers' own; --gradients-only registers
 * only the missing gradients, not the replacements of slow backend kernels. Random data,
 * seeded weights. Prints the median wall-clock img/s of the timed steps and the process CPU
 * time per step (all threads; CPU well below wall means the machine was busy with other
 * work); with --profile, the kernels that take the time in one step.
 *
 * --ablation: what each of PruneLens's training speed-ups buys, by turning them on one after
 * the other in this one process (trainAblation.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/core/models/zoo';
import { fuseLayersForTraining } from '../src/core/train/fusedLayers';
import { MomentumOptimizer } from '../src/core/train/momentumOptimizer';
import { initWasmBackend } from '../src/core/train/wasmBackend';
import { registerWasmGradients } from '../src/core/train/wasmGradients';
import { median } from './stats';
import { ablation } from './trainAblation';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const BATCH = arg('batch', 128);
const STEPS = arg('steps', 6);
const WARMUP = arg('warmup', 2);
const PROFILE = process.argv.includes('--profile');
const STOCK_LAYERS = process.argv.includes('--stock-layers');
const GRADIENTS_ONLY = process.argv.includes('--gradients-only');

/** Kernel time, calls and (when the profiler saw them) bytes of one training step, by kernel. */
async function profileStep(step: () => void): Promise<void> {
  const info = await tf.profile(step);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  // '<name>__op' entries time an op wrapper around kernels that are listed themselves.
  for (const k of info.kernels.filter((e) => !e.name.endsWith('__op'))) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  console.log(`\nprofile of one step: ${total.toFixed(0)} ms in ${info.kernels.length} kernel calls`);
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [name, e] of rows.slice(0, 24)) {
    console.log(`  ${name.padEnd(38)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} %  ${e.calls} calls`);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--ablation')) {
    await ablation(BATCH, arg('rounds', 8));
    return;
  }
  registerWasmGradients({ replaceSlowKernels: !GRADIENTS_ONLY });
  await initWasmBackend();
  const model = buildModel('mobilenetV1', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  if (!STOCK_LAYERS) fuseLayersForTraining(model);
  console.log(
    `backend ${tf.getBackend()}${GRADIENTS_ONLY ? ' (missing gradients only)' : ''}, BatchNorm and ReLU ${STOCK_LAYERS ? "tf.layers' own" : 'fused'}, ` +
      `batch ${BATCH}, ${STEPS} timed steps after ${WARMUP} warm-up`,
  );
  const optimizer = new MomentumOptimizer(0.05, 0.9);
  const xs = tf.randomUniform([BATCH, 28, 28, 1]);
  const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = (): void => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
  };

  /** Runs fn WARMUP + STEPS times; returns the median wall and CPU milliseconds of the timed runs. */
  const time = (fn: () => void): { wall: number; cpu: number; walls: number[] } => {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      fn();
      const c = process.cpuUsage(c0);
      const dt = performance.now() - t0;
      if (i >= WARMUP) {
        walls.push(dt);
        cpus.push((c.user + c.system) / 1000);
      }
    }
    return { wall: median(walls), cpu: median(cpus), walls };
  };
  const rate = (ms: number): string => `${((BATCH * 1000) / ms).toFixed(0)} img/s`;

  const train = time(step);
  const fwd = time(() => tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync()));
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const before = { tensors: tf.memory().numTensors, data: backend.numDataIds() };
  step();
  const after = { tensors: tf.memory().numTensors, data: backend.numDataIds() };
  if (after.tensors !== before.tensors || after.data !== before.data) {
    console.warn(`a training step leaked: tensors ${before.tensors} -> ${after.tensors}, wasm buffers ${before.data} -> ${after.data}`);
  }

  console.log(
    `train step: median ${train.wall.toFixed(0)} ms -> ${rate(train.wall)} (process CPU ${train.cpu.toFixed(0)} ms; ` +
      `per step ${train.walls.map((t) => t.toFixed(0)).join(', ')} ms)`,
  );
  console.log(`forward:    median ${fwd.wall.toFixed(0)} ms -> ${rate(fwd.wall)} (process CPU ${fwd.cpu.toFixed(0)} ms)`);
  if (PROFILE) await profileStep(step);
  tf.dispose([xs, ys]);
  optimizer.dispose();
}

void main();
