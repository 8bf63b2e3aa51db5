/**
 * Small inputs for the sensitivity tests: a tiny residual CNN whose residual add couples
 * two convs into one channel group, a synthetic dataset whose labels are the model's own
 * predictions (so the baseline is 1 and pruning visibly costs accuracy), results built by
 * hand, and a temp folder per test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../../src/core/data/batches';
import type { ImageDataset } from '../../src/core/data/dataset';
import { tfjsPredictor } from '../../src/core/eval/evaluate';
import { predictedClasses } from '../../src/core/sensitivity/metrics';
import type { MeasuredPoint, SensitivityPoint, SensitivityResults } from '../../src/shared/results';
import { RESULTS_FORMAT, RESULTS_VERSION, ratioKey } from '../../src/shared/results';
import type { Criterion } from '../../src/shared/vocabulary';

export const SIDE = 8;

type Sym = tf.SymbolicTensor;

function conv(name: string, filters: number, x: Sym, seed: number): Sym {
  return tf.layers
    .conv2d({ name, filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed }) })
    .apply(x) as Sym;
}

/**
 * input 8x8x1 -> stem (8) -> relu -> [a (6) -> relu -> b (8)] + stem -> relu -> GAP -> fc (4).
 * Groups: `stem_weights` with `b_weights` (the add couples them), `a_weights` alone, and the
 * logits (not prunable). Deterministic for a given seed.
 */
export function tinyResidualModel(seed = 3): tf.LayersModel {
  const input = tf.input({ shape: [SIDE, SIDE, 1], name: 'image' });
  const stem = tf.layers.reLU({ name: 'stem_relu' }).apply(conv('stem', 8, input, seed)) as Sym;
  const a = tf.layers.reLU({ name: 'a_relu' }).apply(conv('a', 6, stem, seed + 1)) as Sym;
  const b = conv('b', 8, a, seed + 2);
  const sum = tf.layers.add({ name: 'add' }).apply([stem, b]) as Sym;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(tf.layers.reLU({ name: 'add_relu' }).apply(sum)) as Sym;
  const logits = tf.layers.dense({ name: 'fc', units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 3 }) }).apply(pooled) as Sym;
  return tf.model({ name: 'tiny_residual', inputs: input, outputs: logits });
}

/** `count` seeded random images, labelled with what `model` predicts for them. */
export async function selfLabelledDataset(model: tf.LayersModel, count = 64, seed = 5): Promise<ImageDataset> {
  const rand = seededRandom(seed);
  const images = Float32Array.from({ length: count * SIDE * SIDE }, () => rand());
  const unlabelled: ImageDataset = { source: 'test:random', images, labels: new Int32Array(count), count, height: SIDE, width: SIDE, channels: 1, numClasses: 4 };
  const labels = await predictedClasses(tfjsPredictor(model), unlabelled);
  return { ...unlabelled, labels };
}

export function tempDir(prefix = 'prunelens-sens-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function measured(loss: number, extra: Partial<MeasuredPoint> = {}): MeasuredPoint {
  return { loss, metric: 1 - loss, channelsPruned: 1, seconds: 0.5, finishedAt: '2025-01-01T00:00:00.000Z', ...extra };
}

/**
 * Results by hand: `tables` maps a param to its points (ratio -> loss, or a point); each
 * param is its own group unless `groups` says otherwise.
 */
export function handResults(
  tables: Record<string, Record<number, number | SensitivityPoint>>,
  opts: { model?: string; dataset?: string; metric?: 'top1' | 'agreement'; criterion?: Criterion; baseline?: number; groups?: Record<string, readonly string[]> } = {},
): SensitivityResults {
  const params: Record<string, string> = {};
  const groups: Record<string, { id: string; params: string[]; channels: number; prunable: boolean }> = {};
  const points: Record<string, Record<string, SensitivityPoint>> = {};
  const groupOf = (param: string): string => Object.entries(opts.groups ?? {}).find(([, members]) => members.includes(param))?.[0] ?? param;
  for (const [param, table] of Object.entries(tables)) {
    const id = groupOf(param);
    params[param] = id;
    groups[id] ??= { id, params: [], channels: 16, prunable: true };
    groups[id].params.push(param);
    const out = (points[id] ??= {});
    for (const [r, v] of Object.entries(table)) out[ratioKey(Number(r))] = typeof v === 'number' ? measured(v) : v;
  }
  const ratios = [...new Set(Object.values(tables).flatMap((t) => Object.keys(t).map(Number)))].sort((a, b) => a - b);
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    metadata: {
      model: { fingerprint: opts.model ?? 'm'.repeat(64), name: 'hand' },
      dataset: { fingerprint: opts.dataset ?? 'd'.repeat(64), spec: 'test', count: 10 },
      metric: opts.metric ?? 'top1',
      baseline: opts.baseline ?? 0.9,
      criterion: opts.criterion ?? 'l1_norm',
      ratios,
      created: '2025-01-01T00:00:00.000Z',
      updated: '2025-01-01T00:00:00.000Z',
      toolVersion: '0.0.0',
    },
    params,
    groups,
    points,
  };
}
