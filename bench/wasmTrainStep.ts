/**
 * `npx tsx bench/wasmTrainStep.ts [--batch 128] [--steps 6] [--warmup 2] [--profile] [--gradients-only]`
 *
 * Training and forward throughput of a MobileNetV1 for 28x28x1 inputs on the TF.js wasm
 * backend with the project's gradient kernels (--gradients-only: without the replacements of
 * slow backend kernels). Random data, random weights. Prints the median wall-clock img/s of
 * the timed steps, and the process CPU time per step (all threads: the backend computes on
 * one, V8's garbage collector adds its helpers; CPU well below wall means the machine was
 * busy with other work); with --profile, the kernels that take the time in one step.
 */
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../src/core/train/wasmBackend';
import { registerWasmGradients } from '../src/core/train/wasmGradients';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const BATCH = arg('batch', 128);
const STEPS = arg('steps', 6);
const WARMUP = arg('warmup', 2);
const PROFILE = process.argv.includes('--profile');
const GRADIENTS_ONLY = process.argv.includes('--gradients-only');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** MobileNetV1 as in PaddleSlim's MNIST setting: stem 3x3/2 with 32 filters, 13 blocks. */
function mobileNetV1(): tf.LayersModel {
  const widths = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
  const strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
  const input = tf.input({ shape: [28, 28, 1] });
  const bnRelu = (t: tf.SymbolicTensor): tf.SymbolicTensor =>
    tf.layers.reLU().apply(tf.layers.batchNormalization({ momentum: 0.9 }).apply(t)) as tf.SymbolicTensor;
  let h = bnRelu(tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor);
  widths.forEach((w, i) => {
    h = bnRelu(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: strides[i]!, padding: 'same', useBias: false }).apply(h) as tf.SymbolicTensor);
    h = bnRelu(tf.layers.conv2d({ filters: w, kernelSize: 1, padding: 'same', useBias: false }).apply(h) as tf.SymbolicTensor);
  });
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function main(): Promise<void> {
  registerWasmGradients({ replaceSlowKernels: !GRADIENTS_ONLY });
  await initWasmBackend();
  console.log(
    `backend ${tf.getBackend()}${GRADIENTS_ONLY ? ' (missing gradients only)' : ''}, batch ${BATCH}, ${STEPS} timed steps after ${WARMUP} warm-up`,
  );
  const model = mobileNetV1();
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy' });
  const xs = tf.randomUniform([BATCH, 28, 28, 1]);
  const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D, 10);

  /** Runs fn WARMUP + STEPS times; returns the median wall and CPU milliseconds of the timed runs. */
  const time = async (fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number; walls: number[] }> => {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await fn();
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

  const train = await time(() => model.trainOnBatch(xs, ys));
  const fwd = await time(async () => tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync()));
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const before = { tensors: tf.memory().numTensors, data: backend.numDataIds() };
  await model.trainOnBatch(xs, ys);
  const after = { tensors: tf.memory().numTensors, data: backend.numDataIds() };
  if (after.tensors !== before.tensors || after.data !== before.data) {
    console.warn(`a training step leaked: tensors ${before.tensors} -> ${after.tensors}, wasm buffers ${before.data} -> ${after.data}`);
  }

  console.log(
    `train step: median ${train.wall.toFixed(0)} ms -> ${rate(train.wall)} (process CPU ${train.cpu.toFixed(0)} ms; ` +
      `per step ${train.walls.map((t) => t.toFixed(0)).join(', ')} ms)`,
  );
  console.log(`forward:    median ${fwd.wall.toFixed(0)} ms -> ${rate(fwd.wall)} (process CPU ${fwd.cpu.toFixed(0)} ms)`);

  if (PROFILE) {
    const optimizer = tf.train.momentum(0.05, 0.9);
    const step = (): void => {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      );
      loss?.dataSync();
      loss?.dispose();
    };
    step();
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
    console.log(`\nprofile of one optimizer.minimize step: ${total.toFixed(0)} ms in kernels`);
    const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    for (const [name, e] of rows.slice(0, 20)) {
      console.log(`  ${name.padEnd(38)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} %  ${e.calls} calls`);
    }
  }
  tf.dispose([xs, ys]);
}

void main();
