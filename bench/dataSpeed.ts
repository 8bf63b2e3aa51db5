/**
 * `npm run bench:data`: the image data path on generated 224 x 224 RGB JPEGs.
 *
 * 1. Decoders: sharp against jpeg-js / pngjs (dataDecoders.ts).
 * 2. Images/s decoded + resized + cropped into the on-disk cache (a fresh cache each run).
 * 3. Images/s read back from the cache as float32 batches of 128 (imagenet scaling), in
 *    order (evaluation, scans) and shuffled (training).
 * 4. Peak resident memory of `prunelens sensitivity` (a separate process, sampled from
 *    /proc) over two image folders, the larger several times its --cache-mb budget and its
 *    own size as float32: the peak stays flat, because only a batch at a time is in memory.
 *
 * Sizes: BENCH_DATA_IMAGES (cache phases, default 1000), BENCH_DATA_SCAN (the larger scan
 * set, default 4000; the smaller is a quarter), BENCH_REPEATS (default 3). Needs `npm run
 * build` first (phase 4 runs dist/cli.js).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { permutation } from '../src/core/data/batches';
import { gatherImages, readImages } from '../src/core/data/dataset';
import { openDataset } from '../src/core/data/load';
import { saveModel } from '../src/core/models/io';
import { CLI, runCli } from './cliRun';
import { decoderRows } from './dataDecoders';
import { writeJpegs } from './jpegFolder';
import { median } from './scanSpeedPeak';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const IMAGES = Number(process.env.BENCH_DATA_IMAGES ?? 1000);
const SCAN_IMAGES = Number(process.env.BENCH_DATA_SCAN ?? 4000);
const SIDE = 224;
const CLASSES = 10;
const CACHE_MB = 32;
const INPUT = { height: SIDE, width: SIDE, channels: 3, numClasses: CLASSES };

async function cachePhases(dir: string): Promise<void> {
  const root = path.join(dir, 'jpegs');
  await writeJpegs(root, IMAGES, { side: SIDE, classes: CLASSES });
  const build: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const cacheDir = path.join(dir, `cache-${r}`);
    const start = performance.now();
    await openDataset({ data: root, split: 'test', cacheDir }, INPUT);
    build.push(IMAGES / ((performance.now() - start) / 1000));
  }
  console.log(`decode + resize + crop into the cache: ${median(build).toFixed(0)} images/s (${build.map((v) => v.toFixed(0)).join(', ')})`);
  const ds = await openDataset({ data: root, split: 'test', cacheDir: path.join(dir, 'cache-0'), preprocessing: { scaling: 'imagenet' } }, INPUT);
  const inOrder: number[] = [];
  const shuffled: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let start = performance.now();
    for (let b = 0; b < ds.count; b += 128) readImages(ds, b, Math.min(128, ds.count - b));
    inOrder.push(ds.count / ((performance.now() - start) / 1000));
    const order = permutation(ds.count, r);
    start = performance.now();
    for (let b = 0; b < ds.count; b += 128) gatherImages(ds, order.subarray(b, b + 128));
    shuffled.push(ds.count / ((performance.now() - start) / 1000));
  }
  console.log(`read back as float32 batches of 128: in order ${median(inOrder).toFixed(0)} images/s, shuffled ${median(shuffled).toFixed(0)} images/s`);
}

/** A small 224 x 224 x 3 convnet, so the scan's own memory is small beside the images'. */
async function scanModel(dir: string): Promise<string> {
  const input = tf.input({ shape: [SIDE, SIDE, 3] });
  let x = tf.layers.conv2d({ name: 'c1', filters: 8, kernelSize: 3, strides: 4, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'c2', filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'fc', units: CLASSES }).apply(tf.layers.globalAveragePooling2d({}).apply(x)) as tf.SymbolicTensor;
  return (await saveModel(tf.model({ inputs: input, outputs: out }), path.join(dir, 'model'))).modelJson;
}

async function scanPeak(dir: string, model: string, n: number): Promise<{ seconds: number; peakRssMb: number }> {
  const root = path.join(dir, `scan-${n}`);
  await writeJpegs(root, n, { side: SIDE, classes: CLASSES });
  const r = await runCli(['sensitivity', model, '--data', root, '--cache-dir', path.join(dir, 'scan-cache'), '--cache-mb', String(CACHE_MB), '--ratios', '0.5', '--workers', '1', '--threads', '2', '--file', path.join(dir, `scan-${n}.json`)], 50);
  return { seconds: r.seconds, peakRssMb: r.peakRssMb };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-bench-data-'));
  console.log(`machine: ${os.availableParallelism()} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}; 224 x 224 RGB JPEGs (quality 90); median of ${REPEATS}`);
  try {
    const jpegs = await writeJpegs(path.join(dir, 'dec-jpeg'), 100, { side: SIDE });
    const pngs = await writeJpegs(path.join(dir, 'dec-png'), 100, { side: SIDE, format: 'png' });
    for (const row of await decoderRows(jpegs, pngs, REPEATS, SIDE, Math.max(4, os.availableParallelism()))) console.log(`  ${row.name}: ${row.imagesPerSecond.toFixed(0)} images/s`);
    await cachePhases(dir);
    const model = await scanModel(dir);
    for (const n of [SCAN_IMAGES / 4, SCAN_IMAGES]) {
      const r = await scanPeak(dir, model, n);
      const floatMb = (n * SIDE * SIDE * 3 * 4) / 2 ** 20;
      console.log(`sensitivity scan (decode + 2 groups x ratio 0.5, --cache-mb ${CACHE_MB}) over ${n} images (${floatMb.toFixed(0)} MB as float32): peak RSS ${r.peakRssMb.toFixed(0)} MB, ${r.seconds.toFixed(1)} s`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
