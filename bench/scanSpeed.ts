/**
 * `npm run bench`: a full sensitivity scan of MobileNetV1 (28x28x1, 10 classes, seeded
 * random weights) on 10,000 images (the built-in train and test digits together): the 13
 * `_sep_weights` params x ratios 0.1 ... 0.9 = 117 points plus the baseline, run
 *
 *   (a) per point on TF.js wasm, PruneLens's kernels (`--engine tfjs --backend wasm`), and
 *   (a') with TF.js's stock wasm kernels: a few points each, extrapolated per point;
 *   (b) per point on ONNX Runtime (`--engine ort`: a masked model per point, whole network);
 *   (b') per point, the physically pruned model evaluated whole on ONNX Runtime (every
 *        group at ratio 0.5, the mean ratio, extrapolated per point);
 *   (c) with the fast engine (`--engine fast`, the default), in one process, and
 *   (c2) the same as `prunelens sensitivity --workers N` runs it: one worker process per
 *        core, one ONNX Runtime thread each (the built CLI, so `npm run bench` builds first),
 *
 * each in a child process of its own, one after the other, in this one run (the machine
 * is shared, so compare the ratios, not the absolute figures). Then (c) is checked point
 * by point against (b) and (b'), and the scan's multiply-accumulates are set against the
 * machine's peak, measured as a large MatMul on ONNX Runtime with the same threads.
 *
 * (b), (c) and (c2) run in turn BENCH_REPEATS times (default 2) and their medians are
 * compared; CPU time is printed beside wall time, as it is less sensitive to other work
 * on the machine. BENCH_THREADS sets the ONNX Runtime threads (default: all cores).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CACHE_BYTES } from '../src/core/fast/fastEngine';
import { compareFiles } from './compareResults';
import { cachedGroups, scanMacs } from './scanSpeedMacs';
import { runWorkersPhase } from './scanSpeedWorkers';
import { matmulPeak, median } from './scanSpeedPeak';
import { benchModel, benchParams, phaseMain, RATIOS, TFJS_SAMPLE, type PhaseName, type PhaseResult } from './scanSpeedPhases';

const THREADS = Number(process.env.BENCH_THREADS ?? os.availableParallelism());
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const IMAGES = 10_000;

function runChild(phase: PhaseName, dir: string): PhaseResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--phase', phase, '--dir', dir, '--threads', String(THREADS)], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`phase ${phase} failed (exit ${child.status}):\n${child.stderr}`);
  return JSON.parse(last) as PhaseResult;
}

const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const giga = (x: number): string => `${fmt(x / 1e9, 1)} G`;

/** A run whose wall time is the median one, with median wall and CPU times. */
function medianOf(runs: readonly PhaseResult[]): PhaseResult {
  const first = runs[0] as PhaseResult;
  return { ...first, seconds: median(runs.map((r) => r.seconds)), cpuSeconds: median(runs.map((r) => r.cpuSeconds)) };
}

/** Wall and CPU seconds of a sampled phase, extrapolated to every point. */
function extrapolated(r: PhaseResult, points: number): PhaseResult {
  const perPoint = r.pointSeconds.reduce((a, b) => a + b, 0) / r.pointSeconds.length;
  const seconds = r.baselineSeconds + points * perPoint;
  return { ...r, seconds, cpuSeconds: (r.cpuSeconds * seconds) / r.seconds };
}

async function main(): Promise<void> {
  if (process.argv.includes('--phase')) return phaseMain(process.argv);
  await tf.setBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-bench-'));
  const model = benchModel();
  const params = benchParams(model);
  const points = params.length * RATIOS.length;
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, node ${process.version}, load ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
  console.log(`scan: MobileNetV1 28x28x1, ${params.length} params x ${RATIOS.length} ratios = ${points} points + baseline, ${IMAGES} images, ${THREADS} ONNX Runtime thread(s), batch 128`);

  const peak = await matmulPeak(THREADS);
  console.log(`peak: ${peak.size}x${peak.size} MatMul on ONNX Runtime, ${THREADS} thread(s): ${giga(peak.macsPerSecond)}MAC/s (median of ${peak.runs.length})`);

  const workers = os.availableParallelism();
  const runs: Record<'fast' | 'fast-workers' | 'ort', PhaseResult[]> = { fast: [], 'fast-workers': [], ort: [] };
  for (let r = 0; r < REPEATS; r++) {
    for (const phase of ['fast', 'fast-workers', 'ort'] as const) {
      const result = phase === 'fast-workers' ? await runWorkersPhase(dir, workers) : runChild(phase, dir);
      runs[phase].push(result);
      console.log(`  ${phase} run ${r + 1}: ${fmt(result.seconds)} s wall, ${fmt(result.cpuSeconds)} s CPU`);
    }
  }
  const sampled = (phase: PhaseName): PhaseResult => {
    const result = runChild(phase, dir);
    console.log(`  ${phase}: ${fmt(result.seconds)} s for ${result.points} points and the baseline`);
    return result;
  };
  const prunedSample = sampled('ort-pruned');
  const tfjsSample = sampled('tfjs');
  const stockSample = sampled('tfjs-stock');
  const fast = medianOf(runs.fast);
  const fastWorkers = medianOf(runs['fast-workers']);
  const ort = medianOf(runs.ort);
  const pruned = extrapolated(prunedSample, points);
  const tfjs = extrapolated(tfjsSample, points);
  const stock = extrapolated(stockSample, points);
  const vsOrt = await compareFiles(ort.file, fast.file);
  const vsPruned = await compareFiles(prunedSample.file, fast.file);
  const workersVsOrt = await compareFiles(ort.file, fastWorkers.file);
  // The CLI's default cache budget (512 MB): at 28x28 every group's cut fits.
  const macs = scanMacs(model, params, RATIOS, cachedGroups(model, params, IMAGES, DEFAULT_CACHE_BYTES));

  const evaluations = (points + 1) * IMAGES;
  console.log('');
  console.log(
    `MACs per image: network ${fmt(macs.perImageFull / 1e6, 2)} M; whole scan: minimum ${giga(macs.minimum)}, fast engine computes ${giga(macs.fastEngine)}, ` +
      `per point masked ${giga(macs.perPoint)}, per point pruned ${giga(macs.perPointPruned)}; x ${IMAGES} images: minimum ${fmt((macs.minimum * IMAGES) / 1e12, 2)} TMAC`,
  );
  console.log('img/s: image evaluations per second, (points + baseline) x images / wall time; MAC/s: the minimum MACs / wall time');
  const row = (label: string, r: PhaseResult, note: string): void => {
    const useful = (macs.minimum * IMAGES) / r.seconds;
    console.log(
      `${label.padEnd(32)} ${fmt(r.seconds).padStart(7)} s wall ${fmt(r.cpuSeconds).padStart(7)} s CPU ${fmt(evaluations / r.seconds, 0).padStart(7)} img/s ` +
        `${giga(useful).padStart(8)}MAC/s (${fmt((100 * useful) / peak.macsPerSecond).padStart(4)}% of peak)  RSS ${fmt(r.maxRssMb, 0).padStart(4)} MB  ${note}`,
    );
  };
  const sample = (r: PhaseResult): string => `extrapolated from ${r.points} points at 0.5: baseline ${fmt(r.baselineSeconds, 2)} s + ${points} x ${fmt(r.pointSeconds.reduce((a, b) => a + b, 0) / r.points, 2)} s`;
  const repeats = (list: readonly PhaseResult[]): string => `median of ${list.length}: ${list.map((r) => fmt(r.seconds)).join(', ')} s`;
  row('(a) per point, TF.js wasm', tfjs, `${sample(tfjsSample)} (${TFJS_SAMPLE.join(', ')})`);
  row("(a') same, stock TF.js kernels", stock, sample(stockSample));
  row('(b) per point, ONNX Runtime', ort, `masked model per point; ${repeats(runs.ort)}`);
  row("(b') per point, pruned, ORT", pruned, `physically pruned model; ${sample(prunedSample)}`);
  row('(c) fast engine, one process', fast, `${THREADS} ONNX Runtime threads; ${repeats(runs.fast)}`);
  row(`(c2) fast engine, ${workers} workers`, fastWorkers, `prunelens sensitivity --workers ${workers}, 1 thread each, process start-up included, CPU and RSS of all processes; ${repeats(runs['fast-workers'])}`);
  console.log(`(c) MACs it computes / wall time: ${giga((macs.fastEngine * IMAGES) / fast.seconds)}MAC/s (${fmt((100 * macs.fastEngine * IMAGES) / fast.seconds / peak.macsPerSecond)}% of peak)`);
  console.log(`(b) MACs it computes / wall time: ${giga((macs.perPoint * IMAGES) / ort.seconds)}MAC/s (${fmt((100 * macs.perPoint * IMAGES) / ort.seconds / peak.macsPerSecond)}% of peak)`);
  console.log('');
  for (const [name, c] of [['(c)', fast], ['(c2)', fastWorkers]] as const) {
    const speedup = (label: string, base: PhaseResult, target: string): void =>
      console.log(`${name} vs ${label}: ${fmt(base.seconds / c.seconds, 2)}x faster in wall time, ${fmt(base.cpuSeconds / c.cpuSeconds, 2)}x in CPU time (target ${target})`);
    speedup('(b)', ort, '>= 2x');
    speedup("(b')", pruned, '>= 2x');
    speedup('(a)', tfjs, '>= 20x');
    speedup("(a')", stock, '>= 20x');
  }
  for (const [label, c] of [['(c) vs (b), 117 points', vsOrt], ["(c) vs (b'), 13 points", vsPruned], ['(c2) vs (b), 117 points', workersVsOrt]] as const) {
    console.log(`exactness, ${label}: ${c.same}/${c.total} with the same correct count; largest loss difference ${c.maxLossDiff.toExponential(2)}; baselines ${c.baselines.join(' / ')}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
