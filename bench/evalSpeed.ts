/**
 * `npm run bench:eval`: evaluation and training throughput of MobileNetV1 on 28x28 images,
 * every engine measured in this one run so the ratios are fair on a shared, noisy machine.
 * Each figure is the median of REPEATS runs.
 *
 * Evaluation, on 10,000 images (the built-in train and test splits together): TF.js wasm is
 * measured twice, first with the kernels the package ships (what a user of TF.js gets, and
 * the baseline the ONNX Runtime target refers to), then with the kernels PruneLens registers
 * for training, which speed up inference too; then ONNX Runtime. Training: PruneLens against
 * PyTorch, when a Python with torch is found (bench/trainSpeed.ts).
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/core/backend';
import { createOrtEvaluator } from '../src/core/eval/ortSession';
import { evaluate, tfjsPredictor } from '../src/core/eval/evaluate';
import { buildModel } from '../src/core/models/zoo';
import { benchData } from './scanSpeedPhases';
import { median } from './stats';
import { benchTraining } from './trainSpeed';

const REPEATS = Number(process.env['BENCH_REPEATS'] ?? 3);

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  // Stock kernels first: registering ours replaces some of them for the rest of the process.
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not start');
  const data = benchData();
  const model = buildModel('mobilenetV1', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  console.log(`model: MobileNetV1 28x28x1, ${model.countParams().toLocaleString('en-US')} params; data: ${data.count} images; batch 128; median of ${REPEATS}`);

  const stockEval: number[] = [];
  for (let r = 0; r < REPEATS; r++) stockEval.push(data.count / (await timeIt(() => evaluate(tfjsPredictor(model), data))));
  const backend = await selectBackend({ prefer: 'wasm' });
  console.log(`TF.js backend: ${backend.detail}`);

  const wasmEval: number[] = [];
  const ortEval: number[] = [];
  const evaluator = await createOrtEvaluator(model, { intraOpThreads: os.cpus().length });
  for (let r = 0; r < REPEATS; r++) {
    wasmEval.push(data.count / (await timeIt(() => evaluate(tfjsPredictor(model), data))));
    ortEval.push(data.count / (await timeIt(() => evaluate((x, n) => evaluator.run(x, n), data))));
  }
  await evaluator.release();
  const stock = median(stockEval);
  const w = median(wasmEval);
  const o = median(ortEval);
  console.log('');
  const line = (label: string, v: number, runs: number[], extra: string): void =>
    console.log(`${label.padEnd(34)} ${v.toFixed(0).padStart(7)} img/s   ${extra}   runs: ${runs.map((x) => x.toFixed(0)).join(', ')}`);
  line('TF.js wasm eval, stock kernels', stock, stockEval, `(${(data.count / stock).toFixed(1)} s for ${data.count} images)`);
  line('TF.js wasm eval, PruneLens kernels', w, wasmEval, `(${(data.count / w).toFixed(1)} s)`);
  line(`ONNX Runtime eval, cpu, ${os.cpus().length} threads`, o, ortEval, `(${(data.count / o).toFixed(1)} s)`);
  console.log('');
  console.log(`ONNX Runtime / TF.js wasm eval (stock kernels): ${(o / stock).toFixed(1)}x (target >= 8x)`);
  console.log(`ONNX Runtime / TF.js wasm eval (PruneLens kernels): ${(o / w).toFixed(1)}x`);
  await benchTraining(REPEATS);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
