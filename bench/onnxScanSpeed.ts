/**
 * `npx tsx bench/onnxScanSpeed.ts [FIXTURE]`: a sensitivity scan of a PyTorch-exported ONNX
 * fixture (default resnet_blocks, 3x32x32) on seeded images with the label-free metric,
 * every analysable conv x ratios 0.1 ... 0.9, measured
 *
 *   (a) per point: a masked model per point evaluated whole on ONNX Runtime (`--engine ort`);
 *   (b) with the fast engine on the ONNX graph itself (the default);
 *
 * in this one process, in turn BENCH_REPEATS times (default 3), and compared by their
 * median wall times (the machine is shared: compare the ratio, not the absolute figures).
 * The two scans' points are checked to be equal. BENCH_IMAGES (default 1000) and
 * BENCH_THREADS (default 1) set the images and ONNX Runtime threads.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFastEngine } from '../src/core/fast/fastEngine';
import { analysableParams } from '../src/core/models/naming';
import { openOnnxModel } from '../src/core/onnx/onnxModel';
import { datasetIdentity } from '../src/core/sensitivity/fingerprint';
import { handleMetric } from '../src/core/sensitivity/metrics';
import { perPointEngine, type ScanEngine } from '../src/core/sensitivity/scanEngine';
import { sensitivity } from '../src/core/sensitivity/scan';
import { isMeasured, type SensitivityResults } from '../src/shared/results';
import { median } from './stats';

const FIXTURE = process.argv[2] ?? 'resnet_blocks';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function metrics(r: SensitivityResults): string {
  return JSON.stringify(Object.values(r.points).map((t) => Object.values(t).map((p) => (isMeasured(p) ? p.metric : null))));
}

async function main(): Promise<void> {
  const model = await openOnnxModel(path.join(__dirname, '..', 'test', 'fixtures', 'onnx', `${FIXTURE}.onnx`));
  const { height, width, channels, numClasses } = model.input();
  const data = { source: 'seeded', images: seeded(IMAGES * height * width * channels, 1), labels: new Int32Array(IMAGES), unlabeled: true, count: IMAGES, height, width, channels, numClasses };
  const params = analysableParams(model.params()).map((p) => p.name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-onnx-bench-'));
  const common = { metric: 'agreement' as const, intraOpThreads: THREADS, batchSize: 128 };
  const times: Record<'per-point' | 'fast', number[]> = { 'per-point': [], fast: [] };
  const seen: Record<string, string> = {};
  try {
    for (let i = 0; i < REPEATS; i++) {
      for (const name of ['per-point', 'fast'] as const) {
        const fast = name === 'fast' ? await createFastEngine(model, data, common) : undefined;
        const engine: ScanEngine = fast ?? perPointEngine(model, handleMetric(model, data, common));
        const start = performance.now();
        const results = await sensitivity(model, params, engine, { file: path.join(dir, `${name}-${i}.json`), dataset: datasetIdentity(data), metric: 'agreement', ratios: RATIOS });
        times[name].push((performance.now() - start) / 1000);
        fast?.release();
        seen[name] = metrics(results);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const perPoint = median(times['per-point']);
  const fast = median(times.fast);
  const macs = model.summary().totalMacs;
  console.log(`${FIXTURE}: ${params.length} params x ${RATIOS.length} ratios on ${IMAGES} images, ${macs} MACs per image, ${THREADS} ONNX Runtime thread(s), ${REPEATS} runs each`);
  console.log(`per point (a masked model each): median ${perPoint.toFixed(2)} s`);
  console.log(`fast engine:                      median ${fast.toFixed(2)} s  (${(perPoint / fast).toFixed(1)}x)`);
  console.log(`points equal: ${seen['per-point'] === seen.fast ? 'yes' : 'NO'}`);
}

void main();
