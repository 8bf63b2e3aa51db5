/**
 * The three ways of running a sensitivity scan that `npm run bench` compares, each run in
 * a child process of its own (bench/scanSpeed.ts spawns them) so that one phase's memory,
 * TF.js backend and ONNX Runtime threads cannot disturb the next, and so that the peak
 * RSS of a phase is its own.
 *
 * - tfjs: the per-point path on TF.js wasm (a masked model per point, the whole network
 *   evaluated), with the wasm kernels PruneLens registers (`--engine tfjs --backend wasm`);
 *   too slow to run in full, so a few points are measured and extrapolated per point.
 * - tfjs-stock: the same with TF.js wasm's own kernels (what plain TF.js gives).
 * - ort: the per-point path on ONNX Runtime (`--engine ort`: a masked model per point).
 * - ort-pruned: per point, the PHYSICALLY pruned model evaluated whole on ONNX Runtime;
 *   every group at ratio 0.5 (the mean ratio), extrapolated per point.
 * - fast: the fast engine (`--engine fast`, the default), every point.
 * - fast-workers: the same through the CLI with one worker process per core (scanSpeedWorkers.ts).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/core/backend';
import { loadBuiltinMnist } from '../src/core/data/builtin';
import type { InMemoryDataset } from '../src/core/data/dataset';
import { createFastEngine } from '../src/core/fast/fastEngine';
import { convParams } from '../src/core/models/naming';
import { buildModel } from '../src/core/models/zoo';
import { pruneModel } from '../src/core/pruning';
import type { ScanEngine } from '../src/core/sensitivity/scanEngine';
import { datasetIdentity } from '../src/core/sensitivity/fingerprint';
import { datasetMetric, type MetricFn } from '../src/core/sensitivity/metrics';
import { sensitivity } from '../src/core/sensitivity/scan';
import type { SensitivityResults } from '../src/shared/results';

export type PhaseName = 'tfjs' | 'tfjs-stock' | 'ort' | 'ort-pruned' | 'fast' | 'fast-workers';

export const RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** The groups the TF.js phase measures at ratio 0.5: one early, one middle, one late. */
export const TFJS_SAMPLE = ['conv2_1_sep_weights', 'conv4_1_sep_weights', 'conv6_sep_weights'];

export interface PhaseResult {
  readonly phase: PhaseName;
  /** Wall time of the whole scan call (engine set-up, baseline and every point). */
  readonly seconds: number;
  /** CPU time (user + system, all threads) of the same: less sensitive to other load than wall time. */
  readonly cpuSeconds: number;
  readonly baselineSeconds: number;
  readonly points: number;
  /** Per-point seconds as the results file records them. */
  readonly pointSeconds: readonly number[];
  readonly maxRssMb: number;
  readonly threads: number;
  readonly file: string;
}

/**
 * The built-in train and test splits together: exactly 10,000 digits, rounded to whole
 * 8-bit grey levels (k / 255, as an MNIST-format IDX file holds them) so that the phase
 * that runs the CLI on IDX files (scanSpeedWorkers.ts) sees the very same values.
 */
export function benchData(): InMemoryDataset {
  const a = loadBuiltinMnist('train');
  const b = loadBuiltinMnist('test');
  const images = new Float32Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  for (let i = 0; i < images.length; i++) images[i] = Math.round((images[i] as number) * 255) / 255;
  const labels = new Int32Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { ...a, source: 'builtin-mnist:all', images, labels, count: a.count + b.count };
}

export function benchModel(): tf.LayersModel {
  return buildModel('mobilenetV1', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
}

/** The 13 pointwise (`_sep_weights`) params of MobileNetV1. */
export function benchParams(model: tf.LayersModel): string[] {
  return convParams(model, /_sep_weights$/).map((p) => p.name);
}

async function useBackend(phase: PhaseName): Promise<void> {
  if (phase === 'tfjs') {
    await selectBackend({ prefer: 'wasm' });
  } else if (phase === 'tfjs-stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not start');
  } else {
    await tf.setBackend('cpu');
  }
}

/** Per point, the physically pruned model evaluated whole by `metric`. */
function prunedEngine(model: tf.LayersModel, metric: MetricFn): ScanEngine {
  return {
    name: 'pruned',
    baseline: () => metric(model),
    openGroup: () =>
      Promise.resolve({
        metric: async (point) => {
          const pruned = pruneModel(model, point.plan);
          try {
            return await metric(pruned);
          } finally {
            pruned.dispose();
          }
        },
        close: () => Promise.resolve(),
      }),
  };
}

export async function runPhase(phase: PhaseName, dir: string, threads: number): Promise<PhaseResult> {
  await useBackend(phase);
  const model = benchModel();
  const data = benchData();
  // A fresh file per run: an existing one would be resumed, and nothing measured.
  const file = path.join(dir, `${phase}-${process.pid}.json`);
  const tfjs = phase === 'tfjs' || phase === 'tfjs-stock';
  const params = tfjs ? TFJS_SAMPLE : benchParams(model);
  const ratios = tfjs || phase === 'ort-pruned' ? [0.5] : RATIOS;
  let baselineSeconds = 0;
  let calls = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let engine: MetricFn | ScanEngine;
  let release = (): void => undefined;
  if (phase === 'fast') {
    const fast = await createFastEngine(model, data, { intraOpThreads: threads });
    release = fast.release;
    engine = {
      ...fast,
      baseline: async () => {
        const t = performance.now();
        const value = await fast.baseline();
        baselineSeconds = (performance.now() - t) / 1000;
        return value;
      },
    };
  } else {
    const metric = datasetMetric(model, data, { engine: tfjs ? 'tfjs' : 'ort', intraOpThreads: threads });
    // The first call is the baseline (the unpruned model), the rest are points.
    const timed: MetricFn = async (m) => {
      const t = performance.now();
      const value = await metric(m);
      if (calls++ === 0) baselineSeconds = (performance.now() - t) / 1000;
      return value;
    };
    engine = phase === 'ort-pruned' ? prunedEngine(model, timed) : timed;
  }
  const results = await sensitivity(model, params, engine, { file, dataset: datasetIdentity(data, 'builtin:all'), ratios });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  release();
  const pointSeconds = pointSecondsOf(results);
  return {
    phase,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    baselineSeconds,
    points: pointSeconds.length,
    pointSeconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    threads,
    file,
  };
}

/** Every point's seconds as a results file records them (0 for a skipped point). */
export function pointSecondsOf(results: SensitivityResults): number[] {
  return Object.values(results.points).flatMap((table) => Object.values(table).map((p) => ('seconds' in p ? p.seconds : 0)));
}

/** Child entry: `--phase NAME --dir DIR --threads N`; prints the PhaseResult as the last line. */
export async function phaseMain(argv: readonly string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const phase = arg('phase') as PhaseName;
  const result = await runPhase(phase, arg('dir') ?? os.tmpdir(), Number(arg('threads') ?? os.availableParallelism()));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
