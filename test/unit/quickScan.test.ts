/**
 * Quick mode in the fast engine and the scan: points stop early in both loop orders (cached
 * and streamed) with intervals that hold the exact loss, quick points are marked in the
 * results file (version 2) and shown as estimates, a quick run keeps what is measured, an
 * exact run replaces quick points (the file goes back to version 1), and a merge prefers
 * an exact point to a quick one whatever the order.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/core/data/dataset';
import { createFastEngine, type FastEngineOptions } from '../../src/core/fast/fastEngine';
import { datasetIdentity } from '../../src/core/sensitivity/fingerprint';
import { mergeResults } from '../../src/core/sensitivity/merge';
import { parseResults } from '../../src/core/sensitivity/resultsFile';
import { sensitivity, type SensitivityOptions } from '../../src/core/sensitivity/scan';
import { describePoint } from '../../src/cli/jobEvents';
import { hoverMarkdown } from '../../src/server/hoverContent';
import { cellLabel, cellTooltip } from '../../webview/cellText';
import { isMeasured, isQuick, type MeasuredPoint, type SensitivityResults } from '../../src/shared/results';
import { handResults, measured, selfLabelledDataset, tempDir, tinyResidualModel } from './sensitivityFixtures';

const PARAMS = ['stem_weights', 'a_weights'];
const RATIOS = [0.25, 0.75];
const IMAGES = 1536;

let model: tf.LayersModel;
let data: ImageDataset;
let exact: SensitivityResults;

function options(file: string, extra: Partial<SensitivityOptions> = {}): SensitivityOptions {
  return { file, dataset: datasetIdentity(data), ratios: RATIOS, ...extra };
}

async function scan(file: string, engineOpts: FastEngineOptions = {}): Promise<SensitivityResults> {
  const engine = await createFastEngine(model, data, { batchSize: 64, ...engineOpts });
  try {
    return await sensitivity(model, PARAMS, engine, options(file));
  } finally {
    engine.release();
  }
}

function points(results: SensitivityResults): [string, MeasuredPoint][] {
  return Object.entries(results.points).flatMap(([group, table]) => Object.entries(table).map(([key, p]) => [`${group}@${key}`, p as MeasuredPoint] as [string, MeasuredPoint]));
}

before(async () => {
  await tf.setBackend('cpu');
  model = tinyResidualModel();
  // One label in eight wrong: a baseline below 1, so pruning can also fix images.
  const own = await selfLabelledDataset(model, IMAGES);
  data = { ...own, labels: own.labels.map((c, i) => (i % 8 === 0 ? (c + 1) % 4 : c)) };
  exact = await scan(path.join(tempDir(), 'exact.json'));
});

describe('quick mode', () => {
  it('stops points early in both loop orders, with intervals that hold the exact loss', async () => {
    const exactLoss = new Map(points(exact).map(([k, p]) => [k, p.loss]));
    for (const cacheBytes of [undefined, 0]) {
      const file = path.join(tempDir(), 'quick.json');
      const quick = await scan(file, { quick: { precision: 0.01, loss: 0.05, confidence: 0.95 }, ...(cacheBytes === 0 ? { cacheBytes } : {}) });
      const early = points(quick).filter(([, p]) => isQuick(p));
      assert.ok(early.length >= 2, `cacheBytes ${cacheBytes}: ${early.length} points stopped early`);
      for (const [key, p] of points(quick)) {
        const truth = exactLoss.get(key) as number;
        if (p.quick === undefined) {
          assert.equal(p.loss, truth, `${key} ran to the end: exact`);
          continue;
        }
        assert.ok(p.quick.images < IMAGES && p.quick.images % 64 === 0, `${key}: ${p.quick.images} images, a whole number of batches`);
        assert.ok(p.quick.interval[0] <= truth && truth <= p.quick.interval[1], `${key}: exact ${truth} in [${p.quick.interval.join(', ')}]`);
        assert.ok(p.quick.interval[0] > 0.05 || p.quick.interval[1] <= 0.05 || (p.quick.interval[1] - p.quick.interval[0]) / 2 <= 0.01, `${key} stopped by its rule`);
        assert.equal(p.quick.confidence, 0.95);
      }
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, /"version": 2,/);
      assert.deepEqual(parseResults(text, file), quick, 'quick points read back as written');
    }
  });

  it('marks quick points as estimates where they are shown', async () => {
    const quick = await scan(path.join(tempDir(), 'quick.json'), { quick: { precision: 0.01, loss: 0.05, confidence: 0.95 } });
    const [key, p] = points(quick).find(([, q]) => isQuick(q)) as [string, MeasuredPoint];
    const [group, ratio] = key.split('@') as [string, string];
    const line = describePoint({ group, params: [group], ratio: Number(ratio), point: p, done: 1, total: 4 }, 'top1');
    assert.match(line, /loss ≈-?\d+\.\d\d%/);
    assert.match(line, /quick estimate: 95% interval -?\d+\.\d\d% to -?\d+\.\d\d%, from \d+ images/);
    // The report's cell and tooltip, and the hover's table (shared formatting).
    assert.match(cellLabel(p), /^≈-?\d+\.\d%$/);
    const row = { group, params: [group], channels: 8, prunable: true, cells: [p] };
    assert.match(cellTooltip(row, { key: ratio, ratio: Number(ratio) }, p, quick.metadata), new RegExp(`from ${p.quick?.images} of ${IMAGES} images; an exact scan replaces it`));
    const hover = hoverMarkdown({ name: group, groupId: group, results: { file: 'quick.json', results: quick }, threshold: 0.05 }) ?? '';
    assert.match(hover, /\| loss \|[^\n]*≈/);
    assert.match(hover, /\| 95% interval \|[^\n]*% to /);
    assert.match(hover, /quick estimate from some of the 1536 images; an exact scan replaces it/);
    const exactHover = hoverMarkdown({ name: group, groupId: group, results: { file: 'exact.json', results: exact }, threshold: 0.05 }) ?? '';
    assert.doesNotMatch(exactHover, /≈|interval/);
  });

  it('keeps measured points in a quick run; an exact run replaces the quick ones', async () => {
    const file = path.join(tempDir(), 'replace.json');
    const quick = await scan(file, { quick: { precision: 0.01, loss: 0.05, confidence: 0.95 } });
    const estimated = points(quick).filter(([, p]) => isQuick(p)).map(([k]) => k);
    assert.ok(estimated.length > 0);
    // A second quick run measures nothing: every point is there.
    const again = await scan(file, { quick: { precision: 0.001, confidence: 0.95 } });
    assert.deepEqual(points(again), points(quick));
    const replaced = await scan(file);
    const exactPoints = new Map(points(exact));
    for (const [key, p] of points(replaced)) {
      assert.equal(p.quick, undefined, `${key} is exact now`);
      assert.equal(p.metric, exactPoints.get(key)?.metric, key);
      // Points that were exact already were not measured again.
      if (!estimated.includes(key)) assert.deepEqual(p, points(quick).find(([k]) => k === key)?.[1]);
    }
    assert.match(fs.readFileSync(file, 'utf8'), /"version": 1,/);
  });

  it('merges an exact point over a quick one, whichever comes first', () => {
    const q = measured(0.02, { quick: { images: 256, interval: [0.01, 0.03], confidence: 0.95 } });
    const a = handResults({ conv1_weights: { 0.5: q } });
    const b = handResults({ conv1_weights: { 0.5: 0.021 } });
    for (const order of [[a, b], [b, a]]) {
      const merged = mergeResults(order).results.points['conv1_weights']?.['0.5'];
      assert.ok(merged !== undefined && isMeasured(merged) && merged.quick === undefined && merged.loss === 0.021);
    }
    const later = mergeResults([a, handResults({ conv1_weights: { 0.5: measured(0.025, { quick: { images: 512, interval: [0.02, 0.03], confidence: 0.95 } }) } })]);
    assert.equal((later.results.points['conv1_weights']?.['0.5'] as MeasuredPoint).loss, 0.025, 'between two quick points the later wins');
  });

  it('refuses a malformed quick record, naming where', () => {
    const file = 'bad.json';
    const good = handResults({ conv1_weights: { 0.5: measured(0.02, { quick: { images: 256, interval: [0.01, 0.03], confidence: 0.95 } }) } });
    const text = (quick: unknown): string => JSON.stringify({ ...good, points: { conv1_weights: { '0.5': { ...measured(0.02), quick } } } });
    assert.doesNotThrow(() => parseResults(text({ images: 256, interval: [0.01, 0.03], confidence: 0.95 }), file));
    assert.throws(() => parseResults(text({ images: 256, interval: [0.03, 0.01], confidence: 0.95 }), file), /points\.conv1_weights\["0\.5"\]\.quick\.interval/);
    assert.throws(() => parseResults(text({ images: 0, interval: [0.01, 0.03], confidence: 0.95 }), file), /quick\.images/);
    assert.throws(() => parseResults(text({ images: 256, interval: [0.01, 0.03], confidence: 95 }), file), /quick\.confidence/);
    assert.throws(() => parseResults(JSON.stringify({ ...good, version: 3 }), file), /newer PruneLens/);
  });
});
