/**
 * The sensitivity scan: one point per coupled group, skipping what the file holds,
 * extending it with new ratios and params (the seed's steps 7.1 and 7.2), early stop
 * recorded as skipped, cancellation between points, and refusing files measured on
 * another model or dataset.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/core/data/dataset';
import { datasetIdentity } from '../../src/core/sensitivity/fingerprint';
import { datasetMetric, type MetricFn } from '../../src/core/sensitivity/metrics';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import { sensitivity, type SensitivityOptions } from '../../src/core/sensitivity/scan';
import { CancelledError, PruneLensError } from '../../src/core/util/errors';
import { sensitivitiesOf } from '../../src/shared/ratios';
import { isMeasured } from '../../src/shared/results';
import { selfLabelledDataset, tempDir, tinyResidualModel } from './sensitivityFixtures';

let model: tf.LayersModel;
let data: ImageDataset;

before(async () => {
  await tf.setBackend('cpu');
  model = tinyResidualModel();
  data = await selfLabelledDataset(model);
});

/** The real metric (ONNX Runtime, top-1), counting how often it runs. */
function counted(fn: MetricFn = datasetMetric(model, data)): MetricFn & { calls: number } {
  const wrapped = Object.assign(async (m: tf.LayersModel) => {
    wrapped.calls++;
    return fn(m);
  }, { calls: 0 });
  return wrapped;
}

function options(file: string, extra: Partial<SensitivityOptions> = {}): SensitivityOptions {
  return { file, dataset: datasetIdentity(data), ...extra };
}

describe('sensitivity scan', () => {
  it('measures a coupled group once and shows it under every member', async () => {
    const file = path.join(tempDir(), 'sens.json');
    const evaluate = counted();
    const results = await sensitivity(model, ['stem_weights', 'b_weights', 'a_weights'], evaluate, options(file, { ratios: [0.25, 0.5] }));
    // The baseline, then 2 groups x 2 ratios: the residual add makes stem and b one group.
    assert.equal(evaluate.calls, 1 + 2 * 2);
    assert.equal(results.params['b_weights'], results.params['stem_weights']);
    assert.deepEqual(results.groups[results.params['stem_weights'] ?? '']?.params, ['stem_weights', 'b_weights']);
    assert.deepEqual(Object.keys(results.points).sort(), ['a_weights', 'stem_weights']);
    const sens = sensitivitiesOf(results);
    assert.deepEqual(sens['b_weights'], sens['stem_weights']);
    assert.equal(results.metadata.baseline, 1);
    assert.deepEqual(await loadResults(file), results);
    const point = results.points['stem_weights']?.['0.5'];
    assert.ok(point !== undefined && isMeasured(point) && point.channelsPruned === 4 && point.loss === (1 - point.metric) / 1);
  });

  it('skips points in the file and extends it with new ratios and params (seed 7.1, 7.2)', async () => {
    const file = path.join(tempDir(), 'sens.json');
    const first = counted();
    await sensitivity(model, ['a_weights'], first, options(file, { ratios: [0.1, 0.2] }));
    assert.equal(first.calls, 3);
    // 0.1 + 0.2 is 0.30000000000000004: the same point as 0.3.
    const second = counted();
    await sensitivity(model, ['a_weights'], second, options(file, { ratios: [0.1, 0.1 + 0.2] }));
    assert.equal(second.calls, 2, 'baseline and 0.3 only');
    const bytes = fs.readFileSync(file);
    const third = counted();
    await sensitivity(model, ['a_weights'], third, options(file, { ratios: [0.3] }));
    assert.equal(third.calls, 0, 'nothing to compute: not even the baseline');
    assert.deepEqual(fs.readFileSync(file), bytes, 'nothing computed, nothing written');
    // A new param: PaddleSlim extends every param already in the file with the new ratios too.
    const fourth = counted();
    const results = await sensitivity(model, ['b_weights'], fourth, options(file, { ratios: [0.5] }));
    assert.equal(fourth.calls, 1 + 2);
    assert.deepEqual(Object.keys(results.points['a_weights'] ?? {}), ['0.1', '0.2', '0.3', '0.5']);
    assert.deepEqual(Object.keys(results.points['stem_weights'] ?? {}), ['0.5']);
    assert.deepEqual(results.metadata.ratios, [0.1, 0.2, 0.3, 0.5]);
  });

  it('early stop records higher ratios as skipped, never as numbers; a later run fills them in', async () => {
    const file = path.join(tempDir(), 'sens.json');
    const scripted = [1, 0.95, 0.7];
    const evaluate = counted(async () => scripted.shift() ?? 0.5);
    const results = await sensitivity(model, ['a_weights'], evaluate, options(file, { ratios: [0.2, 0.4, 0.6, 0.8], earlyStopLoss: 0.2 }));
    assert.equal(evaluate.calls, 3);
    const table = results.points['a_weights'] ?? {};
    assert.deepEqual(Object.keys(table), ['0.2', '0.4', '0.6', '0.8']);
    for (const key of ['0.6', '0.8']) {
      const p = table[key];
      assert.ok(p !== undefined && !isMeasured(p) && p.skipped === 'early-stop', key);
      assert.match(p.reason, /loss 0\.3\d* at ratio 0\.4 passed the early-stop limit 0\.2/);
      assert.equal('loss' in p, false);
    }
    assert.deepEqual(Object.keys(sensitivitiesOf(results)['a_weights'] ?? {}), ['0.2', '0.4']);
    const later = counted(async () => 0.9);
    const filled = await sensitivity(model, ['a_weights'], later, options(file, { ratios: [0.6, 0.8] }));
    assert.equal(later.calls, 1 + 2);
    assert.ok(Object.values(filled.points['a_weights'] ?? {}).every(isMeasured));
  });

  it('stops between points when cancelled; the file keeps every finished point', async () => {
    const file = path.join(tempDir(), 'sens.json');
    const controller = new AbortController();
    const evaluate = counted();
    await assert.rejects(
      sensitivity(model, ['a_weights'], evaluate, options(file, { ratios: [0.2, 0.4, 0.6], signal: controller.signal, onPoint: () => controller.abort() })),
      CancelledError,
    );
    assert.equal(evaluate.calls, 2);
    assert.deepEqual(Object.keys((await loadResults(file)).points['a_weights'] ?? {}), ['0.2']);
    const resumed = counted();
    await sensitivity(model, ['a_weights'], resumed, options(file, { ratios: [0.2, 0.4, 0.6] }));
    assert.equal(resumed.calls, 1 + 2);
  });

  it('refuses a file measured on another model or dataset unless forced', async () => {
    const file = path.join(tempDir(), 'sens.json');
    await sensitivity(model, ['a_weights'], counted(), options(file, { ratios: [0.5] }));
    const bytes = fs.readFileSync(file);
    const other = tinyResidualModel(11);
    await assert.rejects(sensitivity(other, ['a_weights'], counted(), options(file, { ratios: [0.5] })), (e: unknown) => e instanceof PruneLensError && /different model/.test(e.message) && e.message.includes(file));
    const otherData = { ...datasetIdentity(data), fingerprint: 'f'.repeat(64) };
    await assert.rejects(sensitivity(model, ['a_weights'], counted(), { file, dataset: otherData, ratios: [0.5] }), /different dataset/);
    await assert.rejects(sensitivity(model, ['a_weights'], counted(), options(file, { ratios: [0.5], metric: 'agreement' })), /different metric/);
    assert.deepEqual(fs.readFileSync(file), bytes);
    const forced = await sensitivity(other, ['a_weights'], counted(async () => 0.8), options(file, { ratios: [0.25], force: true }));
    assert.deepEqual(Object.keys(forced.points['a_weights'] ?? {}), ['0.25', '0.5']);
  });

  it('the agreement metric needs no labels: its baseline is 1 whatever the labels say', async () => {
    const file = path.join(tempDir(), 'sens.json');
    const noLabels = { ...data, labels: new Int32Array(data.count) };
    const evaluate = datasetMetric(model, noLabels, { metric: 'agreement' });
    const results = await sensitivity(model, ['a_weights'], evaluate, { file, dataset: datasetIdentity(noLabels), metric: 'agreement', ratios: [0.5] });
    assert.equal(results.metadata.baseline, 1);
    assert.equal(results.metadata.metric, 'agreement');
  });

  it('reports unprunable groups instead of measuring them', async () => {
    const file = path.join(tempDir(), 'sens.json');
    const evaluate = counted();
    await assert.rejects(sensitivity(model, ['fc_weights'], evaluate, options(file)), /nothing to measure.*fc_weights: channels are the model's output/s);
    assert.equal(evaluate.calls, 0);
    assert.equal(fs.existsSync(file), false);
    const results = await sensitivity(model, ['fc_weights', 'a_weights'], evaluate, options(file, { ratios: [0.5] }));
    assert.equal(results.groups['fc_weights']?.prunable, false);
    assert.equal(results.points['fc_weights'], undefined);
  });
});
