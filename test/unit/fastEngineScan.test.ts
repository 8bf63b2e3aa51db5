/**
 * The fast engine inside a sensitivity scan: the same results file as the per-point
 * engine (metrics, channels, early-stop markers), points written one by one in the cached
 * order, cancellation and resume, the streamed order (resume granularity: the group in
 * progress), and the agreement metric.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/core/data/dataset';
import { createFastEngine, type FastEngineOptions } from '../../src/core/fast/fastEngine';
import { datasetIdentity } from '../../src/core/sensitivity/fingerprint';
import { datasetMetric } from '../../src/core/sensitivity/metrics';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import { sensitivity, type SensitivityOptions } from '../../src/core/sensitivity/scan';
import { CancelledError } from '../../src/core/util/errors';
import { isMeasured, type SensitivityResults } from '../../src/shared/results';
import { selfLabelledDataset, tempDir, tinyResidualModel } from './sensitivityFixtures';

const PARAMS = ['stem_weights', 'b_weights', 'a_weights'];
const RATIOS = [0.25, 0.5, 0.75];

let model: tf.LayersModel;
let data: ImageDataset;

before(async () => {
  await tf.setBackend('cpu');
  model = tinyResidualModel();
  // Every fourth label wrong: the baseline is below 1, so pruning can raise the metric too.
  const own = await selfLabelledDataset(model, 256);
  data = { ...own, labels: own.labels.map((c, i) => (i % 4 === 0 ? (c + 1) % 4 : c)) };
});

function options(extra: Partial<SensitivityOptions> = {}): SensitivityOptions {
  return { file: path.join(tempDir(), 'sens.json'), dataset: datasetIdentity(data), ratios: RATIOS, ...extra };
}

/** The measured numbers of a results file, without timings. */
function numbers(results: SensitivityResults): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(results.points).map(([group, table]) => [
      group,
      Object.fromEntries(Object.entries(table).map(([key, p]) => [key, isMeasured(p) ? [p.metric, p.channelsPruned] : p.skipped])),
    ]),
  );
}

async function fastScan(engineOpts: FastEngineOptions, scanOpts: Partial<SensitivityOptions> = {}): Promise<SensitivityResults> {
  const engine = await createFastEngine(model, data, { batchSize: 48, ...engineOpts });
  try {
    return await sensitivity(model, PARAMS, engine, options(scanOpts));
  } finally {
    engine.release();
  }
}

describe('the fast engine in a sensitivity scan', () => {
  it('writes the same points as the per-point engine, in both loop orders, with and without early stop', async () => {
    for (const earlyStopLoss of [undefined, 0.05]) {
      const extra = earlyStopLoss === undefined ? {} : { earlyStopLoss };
      const perPoint = await sensitivity(model, PARAMS, datasetMetric(model, data, { batchSize: 48 }), options(extra));
      assert.ok(perPoint.metadata.baseline < 1);
      for (const cacheBytes of [undefined, 0]) {
        const fast = await fastScan(cacheBytes === undefined ? {} : { cacheBytes }, extra);
        assert.equal(fast.metadata.baseline, perPoint.metadata.baseline);
        assert.deepEqual(numbers(fast), numbers(perPoint), `cacheBytes ${cacheBytes}, early stop ${earlyStopLoss}`);
      }
    }
  });

  it('cached order: each point is in the file when reported; a cancelled scan keeps them and resumes', async () => {
    const opts = options();
    const controller = new AbortController();
    const seen: string[] = [];
    const engine = await createFastEngine(model, data, { signal: controller.signal });
    const onPoint = async (e: { group: string; ratio: number }): Promise<void> => {
      seen.push(`${e.group}@${e.ratio}`);
      if (seen.length === 2) controller.abort();
    };
    await assert.rejects(
      sensitivity(model, PARAMS, engine, { ...opts, signal: controller.signal, onPoint: (e) => void onPoint(e) }),
      CancelledError,
    );
    const kept = await loadResults(opts.file);
    assert.deepEqual(Object.keys(kept.points[PARAMS[0] as string] ?? {}), ['0.25', '0.5'], 'two points of the first group, one at a time');
    const resumed = await fastScan({}, { file: opts.file });
    assert.equal(Object.values(resumed.points).flatMap((t) => Object.keys(t)).length, 2 * RATIOS.length);
  });

  it('streamed order: a cancelled group loses its points (resume granularity is the group)', async () => {
    const opts = options();
    const controller = new AbortController();
    // Stop inside the second group's pass, after its first batch.
    const onProgress = (e: { stage: string }): void => {
      if (e.stage.startsWith('a_weights')) controller.abort();
    };
    const engine = await createFastEngine(model, data, { cacheBytes: 0, batchSize: 48, signal: controller.signal, onProgress });
    await assert.rejects(sensitivity(model, PARAMS, engine, { ...opts, signal: controller.signal }), CancelledError);
    const kept = await loadResults(opts.file);
    assert.deepEqual(Object.keys(kept.points), [PARAMS[0]]);
    assert.equal(Object.keys(kept.points[PARAMS[0] as string] ?? {}).length, RATIOS.length);
  });

  it('the agreement metric matches the per-point engine and needs no labels', async () => {
    const noLabels = { ...data, labels: new Int32Array(data.count) };
    const engine = await createFastEngine(model, noLabels, { metric: 'agreement' });
    const fast = await sensitivity(model, ['a_weights'], engine, { ...options(), dataset: datasetIdentity(noLabels), metric: 'agreement' });
    const perPoint = await sensitivity(model, ['a_weights'], datasetMetric(model, noLabels, { metric: 'agreement' }), {
      ...options(),
      dataset: datasetIdentity(noLabels),
      metric: 'agreement',
    });
    assert.equal(fast.metadata.baseline, 1);
    assert.deepEqual(numbers(fast), numbers(perPoint));
  });
});
