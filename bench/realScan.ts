/**
 * `npm run bench:real`: sensitivity scans at the real input size. A MobileNetV2 (the zoo's
 * ImageNet layout) and a ResNet-18 at 224x224x3, 10 classes, seeded random weights, on
 * BENCH_REAL_IMAGES (default 1,000) RGB 224x224 JPEGs this bench writes into an image
 * folder and decodes once into the image cache, as a user's photos would be read. Each
 * network is scanned, in this one run and each by the built CLI in a process of its own:
 *
 *   fast: the fast engine (`--engine fast`, the default) under `--cache-mb BENCH_CACHE_MB`
 *         (default 512), and again under BENCH_SMALL_CACHE_MB (default 128), to show that its
 *         memory follows the budget, not the activations (a group whose cut is over it streams);
 *   ort:  per point on ONNX Runtime (`--engine ort`: a masked model per point, whole network);
 *
 * and set against the MAC floor: the multiply-accumulates any exact scan must do (the
 * baseline pass, then per point only the layers downstream of the group's mask point,
 * physically pruned) at the machine's measured matrix-product peak. Wall time, CPU time
 * and peak RSS are those of the command's whole process tree (cliRun.ts). The fast engine's
 * points are checked against per-point ONNX Runtime's (same correct count).
 *
 * The machine is small and shared, so the scan is cut down in what it measures, not in its
 * size: BENCH_REAL_PARAMS conv params per network (default 6 and 5), spread evenly through
 * the network in network order, at ratios 0.3 and 0.6, batch 32.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { openDataset } from '../src/core/data/load';
import { cachedCutBytes, groupCut } from '../src/core/fast/groupParts';
import { exportTrunk } from '../src/core/fast/trunk';
import { convParams } from '../src/core/models/naming';
import { buildModel, type ZooName } from '../src/core/models/zoo';
import { buildDependencyGraph } from '../src/core/pruning';
import { loadResults } from '../src/core/sensitivity/resultsFile';
import { isMeasured } from '../src/shared/results';
import { runCli, type CliRun } from './cliRun';
import { compareFiles } from './compareResults';
import { writeJpegs } from './jpegFolder';
import { cachedGroups, scanMacs } from './scanSpeedMacs';
import { matmulPeak } from './scanSpeedPeak';

const THREADS = Number(process.env.BENCH_THREADS ?? os.availableParallelism());
const IMAGES = Number(process.env.BENCH_REAL_IMAGES ?? 1000);
const CACHE_MB = Number(process.env.BENCH_CACHE_MB ?? 512);
const SMALL_CACHE_MB = Number(process.env.BENCH_SMALL_CACHE_MB ?? 128);
const SIDE = 224;
const CLASSES = 10;
const BATCH = 32;
const RATIOS = [0.3, 0.6];
const NETWORKS: readonly { name: ZooName; params: number }[] = [
  { name: 'mobilenetV2', params: Number(process.env.BENCH_REAL_PARAMS ?? 6) },
  { name: 'resnet18', params: Number(process.env.BENCH_REAL_PARAMS ?? 5) },
];

const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `count` of `all`, evenly spaced from the first to the last. */
function spread<T>(all: readonly T[], count: number): T[] {
  if (count >= all.length) return [...all];
  if (count === 1) return all.slice(0, 1);
  return Array.from({ length: count }, (_, i) => all[Math.round((i * (all.length - 1)) / (count - 1))] as T);
}

/** Each scanned group's cut for the whole set, and whether it fits the cache budget (cached) or streams. */
function cutReport(model: tf.LayersModel, params: readonly string[], budgetMb: number): string[] {
  const trunk = exportTrunk(model);
  const graph = buildDependencyGraph(model);
  const groups = [...new Map(params.map((p) => [graph.groupForParam(p).id, graph.groupForParam(p)])).values()];
  return groups.map((g) => {
    const perImage = groupCut(trunk, g).bytesPerImage;
    const bytes = (perImage ?? NaN) * IMAGES;
    const mode = cachedCutBytes(perImage, IMAGES, budgetMb * 2 ** 20) !== undefined ? 'cached' : 'streamed';
    return `${g.id} ${fmt(bytes / 2 ** 20, 0)} MB ${mode}`;
  });
}

interface EngineRun extends CliRun {
  readonly engine: 'fast' | 'ort';
  readonly file: string;
  readonly points: number;
}

async function scan(engine: 'fast' | 'ort', network: ZooName, params: readonly string[], data: { root: string; cache: string }, dir: string, cacheMb = CACHE_MB): Promise<EngineRun> {
  const file = path.join(dir, `${network}-${engine}-${cacheMb}.json`);
  const regex = `^(${params.join('|')})$`;
  const run = await runCli([
    'sensitivity', `zoo:${network}`, '--input-shape', `${SIDE},${SIDE},3`, '--classes', String(CLASSES),
    '--data', data.root, '--cache-dir', data.cache, '--regex', regex, '--ratios', RATIOS.join(','),
    '--engine', engine, '--batch-size', String(BATCH), '--threads', String(THREADS), '--workers', '1',
    '--cache-mb', String(cacheMb), '--file', file,
  ]);
  const results = await loadResults(file);
  const points = Object.values(results.points).flatMap((t) => Object.values(t)).filter(isMeasured).length;
  return { ...run, engine, file, points };
}

async function benchNetwork(name: ZooName, paramCount: number, data: { root: string; cache: string }, dir: string, peak: number): Promise<void> {
  const model = buildModel(name, { inputShape: [SIDE, SIDE, 3], numClasses: CLASSES, seed: 1 });
  const params = spread(convParams(model).map((p) => p.name), paramCount);
  const macs = scanMacs(model, params, RATIOS, cachedGroups(model, params, IMAGES, CACHE_MB * 2 ** 20));
  const cuts = cutReport(model, params, CACHE_MB);
  const smallCuts = cutReport(model, params, SMALL_CACHE_MB);
  model.dispose();
  console.log('');
  console.log(`${name} 224x224x3: ${fmt(macs.perImageFull / 1e6, 0)} M MACs per image; params ${params.join(', ')}; ratios ${RATIOS.join(', ')}`);
  console.log(`  cut per group for ${IMAGES} images (budget ${CACHE_MB} MB): ${cuts.join('; ')}`);
  console.log(`  under ${SMALL_CACHE_MB} MB: ${smallCuts.filter((c) => c.endsWith('streamed')).length} of ${smallCuts.length} groups stream`);
  const fast = await scan('fast', name, params, data, dir);
  const small = await scan('fast', name, params, data, dir, SMALL_CACHE_MB);
  const ort = await scan('ort', name, params, data, dir);
  const floorSeconds = (macs.minimum * IMAGES) / peak;
  const evaluations = (fast.points + 1) * IMAGES;
  const row = (label: string, seconds: number, run?: CliRun): void => {
    const useful = (macs.minimum * IMAGES) / seconds;
    const usage = run === undefined ? '(the time the minimum MACs take at the peak)' : `${fmt(run.cpuSeconds).padStart(7)} s CPU, peak RSS ${fmt(run.peakRssMb, 0).padStart(5)} MB`;
    console.log(`  ${label.padEnd(40)} ${fmt(seconds).padStart(7)} s wall ${fmt(evaluations / seconds, 0).padStart(5)} img/s ${fmt(useful / 1e9).padStart(6)} GMAC/s (${fmt((100 * useful) / peak).padStart(5)}% of peak)  ${usage}`);
  };
  console.log(`  ${fast.points} points + baseline; MACs per image: minimum ${fmt(macs.minimum / 1e9, 2)} G, fast engine ${fmt(macs.fastEngine / 1e9, 2)} G, per point ${fmt(macs.perPoint / 1e9, 2)} G`);
  console.log('  img/s: (points + baseline) x images / wall time; GMAC/s: the minimum MACs / wall time');
  row(`fast engine, --cache-mb ${CACHE_MB}`, fast.seconds, fast);
  row(`fast engine, --cache-mb ${SMALL_CACHE_MB}`, small.seconds, small);
  row('per point, ONNX Runtime (--engine ort)', ort.seconds, ort);
  row('MAC floor at the MatMul peak', floorSeconds);
  const check = await compareFiles(ort.file, fast.file);
  const smallCheck = await compareFiles(ort.file, small.file);
  console.log(`  fast vs per-point ORT: ${fmt(ort.seconds / fast.seconds, 2)}x in wall time, ${fmt(ort.cpuSeconds / fast.cpuSeconds, 2)}x in CPU time (target >= 2x)`);
  console.log(`  fast vs the MAC floor: ${fmt(fast.seconds / floorSeconds, 2)}x the floor's time (target <= 1.3x)`);
  console.log(`  exactness: ${check.same}/${check.total} points (${smallCheck.same}/${smallCheck.total} under ${SMALL_CACHE_MB} MB) with the same correct count as per-point ORT; largest loss difference ${Math.max(check.maxLossDiff, smallCheck.maxLossDiff).toExponential(2)}; baselines ${check.baselines.join(' / ')}`);
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-bench-real-'));
  try {
    console.log(`machine: ${os.availableParallelism()} x ${os.cpus()[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, node ${process.version}, load ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
    const data = { root: path.join(dir, 'jpegs'), cache: path.join(dir, 'cache') };
    await writeJpegs(data.root, IMAGES, { side: SIDE, classes: CLASSES });
    const start = performance.now();
    await openDataset({ data: data.root, split: 'test', cacheDir: data.cache }, { height: SIDE, width: SIDE, channels: 3, numClasses: CLASSES });
    console.log(`data: ${IMAGES} JPEGs ${SIDE}x${SIDE} RGB in ${CLASSES} class folders, decoded into the image cache once in ${fmt((performance.now() - start) / 1000)} s; every scan reads the cache`);
    const peak = await matmulPeak(THREADS);
    console.log(`peak: ${peak.size}x${peak.size} MatMul on ONNX Runtime, ${THREADS} thread(s): ${fmt(peak.macsPerSecond / 1e9)} GMAC/s (median of ${peak.runs.length})`);
    console.log(`each scan: prunelens sensitivity zoo:NAME --input-shape 224,224,3 --batch-size ${BATCH} --threads ${THREADS} --workers 1 --cache-mb ${CACHE_MB}; times from the command's start to its exit`);
    for (const n of NETWORKS) await benchNetwork(n.name, n.params, data, dir, peak.macsPerSecond);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
