/**
 * The training half of `npm run bench:eval`: PruneLens's training (TF.js wasm with the
 * project's kernels, `train()` as the CLI runs it) against the same training in PyTorch
 * (bench/torchTrain.py), the two alternating run by run so that a noisy machine disturbs
 * both alike. Two measurements:
 *
 * - steps: a fresh MobileNetV1 (28x28x1, 10 classes) trained on TRAIN_IMAGES built-in train
 *   images, batch 128, SGD with momentum, no BatchNorm re-estimation; img/s of wall and of
 *   CPU time;
 * - epoch: the demo's training, one epoch of the built-in train split with the defaults
 *   (cosine schedule, 20 BN re-estimation passes, seed 1), then test top-1 of the result.
 *
 * PyTorch runs in both memory layouts: NCHW, its default (what a DataLoader's batches are),
 * and channels_last, about twice as fast here; ratios are given against each.
 *
 * Without a Python that imports torch the PyTorch side is skipped, and the reason printed.
 */
import { createOrtEvaluator } from '../src/core/eval/ortSession';
import { evaluate } from '../src/core/eval/evaluate';
import { loadBuiltinMnist } from '../src/core/data/builtin';
import type { ImageDataset } from '../src/core/data/dataset';
import { buildModel } from '../src/core/models/zoo';
import { train } from '../src/core/train/train';
import { nativeGemmStatus } from '../src/core/train/wasmKernels/nativeGemm';
import { median } from './stats';
import { startTorchReference, type TorchLayout, type TorchRun } from './torchReference';

const TRAIN_IMAGES = Number(process.env['BENCH_TRAIN_IMAGES'] ?? 2560);
const EPOCH_REPEATS = Number(process.env['BENCH_EPOCH_REPEATS'] ?? 3);
const TORCH_THREADS = process.env['BENCH_TORCH_THREADS'] === undefined ? undefined : Number(process.env['BENCH_TORCH_THREADS']);

function mobileNet(): ReturnType<typeof buildModel> {
  return buildModel('mobilenetV1', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
}

/** One PruneLens training run of a fresh network; building it is not timed. */
async function pruneLensRun(data: ImageDataset, seed: number, full: boolean): Promise<TorchRun> {
  const model = mobileNet();
  const wall = performance.now();
  const cpu = process.cpuUsage();
  await train(model, data, { seed, ...(full ? {} : { recalibrationBatches: 0 }) });
  const used = process.cpuUsage(cpu);
  const run: TorchRun = { seconds: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
  if (!full) {
    model.dispose();
    return run;
  }
  const evaluator = await createOrtEvaluator(model);
  const r = await evaluate((x, n) => evaluator.run(x, n), loadBuiltinMnist('test'));
  await evaluator.release();
  model.dispose();
  return { ...run, testTop1: r.top1 };
}

interface Series {
  readonly label: string;
  readonly runs: TorchRun[];
}

const pad = (s: string, n: number): string => s.padEnd(n);
const med = (s: Series, f: (r: TorchRun) => number): number => median(s.runs.map(f));

function printRates(series: Series[], images: number): void {
  for (const s of series) {
    const wall = s.runs.map((r) => images / r.seconds);
    const cpu = s.runs.map((r) => images / r.cpu);
    console.log(
      `  ${pad(s.label, 40)} ${median(wall).toFixed(0).padStart(5)} img/s (CPU time: ${median(cpu).toFixed(0).padStart(5)} img/s)   ` +
        `runs: ${wall.map((x) => x.toFixed(0)).join(', ')}`,
    );
  }
}

/** PyTorch's time over PruneLens's, per layout, in wall and in CPU time (above 1: PruneLens is faster). */
function printRatios(ours: Series, theirs: readonly Series[]): void {
  for (const t of theirs) {
    const ratio = (f: (r: TorchRun) => number): string => (med(t, f) / med(ours, f)).toFixed(2);
    console.log(`  ${t.label} time / PruneLens time: ${ratio((r) => r.seconds)}x wall, ${ratio((r) => r.cpu)}x CPU (target >= 1)`);
  }
}

export async function benchTraining(repeats: number): Promise<void> {
  const trainSet = loadBuiltinMnist('train');
  const subset: ImageDataset = { ...trainSet, count: TRAIN_IMAGES, images: trainSet.images.subarray(0, TRAIN_IMAGES * 784), labels: trainSet.labels?.subarray(0, TRAIN_IMAGES) };
  const torch = await startTorchReference(trainSet, loadBuiltinMnist('test'), TORCH_THREADS);
  console.log(`\ntraining: products on ${nativeGemmStatus()}`);
  console.log(typeof torch === 'string' ? `PyTorch: skipped (${torch})` : `PyTorch ${torch.version} (${torch.python}), ${torch.threads} intra-op thread(s)`);
  try {
    const layouts: TorchLayout[] = typeof torch === 'string' ? [] : ['nchw', 'nhwc'];
    const label = (l: TorchLayout): string => `PyTorch ${l === 'nchw' ? 'NCHW (its default)' : 'channels_last'}`;
    const ours: Series = { label: 'PruneLens (TF.js wasm + kernels)', runs: [] };
    const theirs: Series[] = layouts.map((l) => ({ label: label(l), runs: [] }));
    for (let r = 0; r < repeats; r++) {
      ours.runs.push(await pruneLensRun(subset, r, false));
      if (typeof torch !== 'string') for (const [i, l] of layouts.entries()) theirs[i]!.runs.push(await torch.steps(TRAIN_IMAGES, r, l));
    }
    console.log(`\ntraining steps, batch 128, ${TRAIN_IMAGES} images a run (no BN re-estimation), median of ${repeats}:`);
    printRates([ours, ...theirs], TRAIN_IMAGES);
    printRatios(ours, theirs);

    const epochOurs: Series = { label: 'PruneLens', runs: [] };
    const epochTheirs: Series[] = layouts.map((l) => ({ label: label(l), runs: [] }));
    for (let r = 0; r < EPOCH_REPEATS; r++) {
      epochOurs.runs.push(await pruneLensRun(trainSet, 1, true));
      if (typeof torch !== 'string') for (const [i, l] of layouts.entries()) epochTheirs[i]!.runs.push(await torch.epoch(1, l));
    }
    console.log(`\none epoch of the demo's training (${trainSet.count} images: 62 steps + 20 BN re-estimation passes, seed 1), median of ${EPOCH_REPEATS}:`);
    for (const s of [epochOurs, ...epochTheirs]) {
      const top1 = s.runs.map((x) => `${((x.testTop1 ?? NaN) * 100).toFixed(1)}%`);
      console.log(
        `  ${pad(s.label, 40)} ${med(s, (x) => x.seconds).toFixed(1).padStart(5)} s (CPU ${med(s, (x) => x.cpu).toFixed(1).padStart(4)} s)   ` +
          `runs: ${s.runs.map((x) => x.seconds.toFixed(1)).join(', ')} s; test top-1 ${[...new Set(top1)].join(' / ')}`,
      );
    }
    printRatios(epochOurs, epochTheirs);
  } finally {
    if (typeof torch !== 'string') torch.close();
  }
}
