/**
 * The sensitivity scan of ONNX models: the fast engine on the ONNX graph itself (NCHW as
 * exported, mask inputs inserted after the mask points) writes exactly the points of a
 * scan that builds a masked model per point, on every PyTorch fixture, in both loop orders.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createFastEngine } from '../../src/core/fast/fastEngine';
import { analysableParams } from '../../src/core/models/naming';
import { openOnnxModel } from '../../src/core/onnx/onnxModel';
import { datasetIdentity } from '../../src/core/sensitivity/fingerprint';
import { handleMetric } from '../../src/core/sensitivity/metrics';
import { perPointEngine } from '../../src/core/sensitivity/scanEngine';
import { sensitivity, type SensitivityOptions } from '../../src/core/sensitivity/scan';
import { isMeasured, type SensitivityResults } from '../../src/shared/results';
import { FIXTURES, fixturePath } from './onnxFixtureUtil';
import { seededDataset } from './onnxModelUtil';

const RATIOS = [0.25, 0.5, 0.75];

/** The measured numbers of a results file, without timings. */
function numbers(results: SensitivityResults): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(results.points).map(([group, table]) => [group, Object.fromEntries(Object.entries(table).map(([key, p]) => [key, isMeasured(p) ? [p.metric, p.channelsPruned] : p.skipped]))]),
  );
}

for (const name of FIXTURES) {
  describe(`scanning ONNX fixture ${name}`, () => {
    it('the fast engine measures every point as a masked model per point does', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'prunelens-onnx-scan-'));
      try {
        const model = await openOnnxModel(fixturePath(name));
        // The label-free metric: how often the pruned model's class is the unpruned model's.
        const data = { ...seededDataset(model, 60), unlabeled: true };
        const params = analysableParams(model.params()).map((p) => p.name);
        const options = (file: string): SensitivityOptions => ({ file: path.join(dir, file), dataset: datasetIdentity(data), metric: 'agreement', ratios: RATIOS });
        const perPoint = await sensitivity(model, params, perPointEngine(model, handleMetric(model, data, { metric: 'agreement', batchSize: 32, intraOpThreads: 1 })), options('per-point.json'));
        assert.equal(perPoint.metadata.baseline, 1);
        assert.ok(Object.keys(perPoint.points).length >= 2, 'several groups measured');
        for (const cacheBytes of [undefined, 0]) {
          const engine = await createFastEngine(model, data, { metric: 'agreement', batchSize: 32, intraOpThreads: 1, ...(cacheBytes === undefined ? {} : { cacheBytes }) });
          try {
            const fast = await sensitivity(model, params, engine, options(`fast-${cacheBytes ?? 'cached'}.json`));
            assert.deepEqual(numbers(fast), numbers(perPoint), `cacheBytes ${cacheBytes}`);
            assert.deepEqual(fast.flops, perPoint.flops);
            assert.equal(fast.metadata.model.fingerprint, model.fingerprint());
          } finally {
            engine.release();
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
