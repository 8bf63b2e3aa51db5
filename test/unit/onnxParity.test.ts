/**
 * Every zoo model gives the same logits on ONNX Runtime (BN folded) as on TF.js, on real
 * MNIST digits, with random BatchNorm statistics so the folding is really exercised.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadBuiltinMnist } from '../../src/core/data/builtin';
import type { InMemoryDataset } from '../../src/core/data/dataset';
import { evaluate, tfjsPredictor } from '../../src/core/eval/evaluate';
import { buildOnnxGraph } from '../../src/core/eval/onnxExport';
import { createOrtEvaluator } from '../../src/core/eval/ortSession';
import { buildModel, ZOO_NAMES } from '../../src/core/models/zoo';
import { argmaxRows, randomizeBatchNorms, relativeDiff } from './onnxTestUtil';

const IMAGES = 24;
const TOL = 1e-4;

/** An evenly spread sample of the built-in test split (it is stored grouped by class). */
function sample(count: number): InMemoryDataset {
  const full = loadBuiltinMnist('test');
  const per = full.height * full.width * full.channels;
  const images = new Float32Array(count * per);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const src = Math.floor((i * full.count) / count);
    images.set(full.images.subarray(src * per, (src + 1) * per), i * per);
    labels[i] = full.labels[src] as number;
  }
  return { ...full, source: `${full.source} (sample of ${count})`, images, labels, count };
}

/** Rows whose best two reference logits are further apart than the tolerance (an unambiguous top-1). */
function clearRows(ref: Float32Array, rows: number, tol: number): number[] {
  const cols = ref.length / rows;
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return Array.from({ length: rows }, (_, r) => r).filter((r) => {
    const row = [...ref.subarray(r * cols, (r + 1) * cols)].sort((a, b) => b - a);
    return (row[0] as number) - (row[1] as number) > tol * scale;
  });
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('ONNX Runtime vs TF.js on the zoo', () => {
  const data = sample(IMAGES);
  for (const name of ZOO_NAMES) {
    it(`${name}: same logits (1e-4 relative) and top-1`, async () => {
      const model = buildModel(name, { inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
      randomizeBatchNorms(model, 11);
      const bnCount = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
      assert.equal(buildOnnxGraph(model).foldedBatchNorms.length, bnCount, 'every BN of the zoo follows a conv and is folded');
      const evaluator = await createOrtEvaluator(model, { intraOpThreads: 2 });
      try {
        const onnx = await evaluator.run(data.images, IMAGES);
        const ref = await tfjsPredictor(model)(data.images, IMAGES);
        const rel = relativeDiff(onnx, ref);
        assert.ok(rel < TOL, `relative difference ${rel}`);
        const a = argmaxRows(onnx, IMAGES);
        const b = argmaxRows(ref, IMAGES);
        const rows = clearRows(ref, IMAGES, TOL);
        assert.ok(rows.length >= IMAGES - 1, `${IMAGES - rows.length} near-tied rows`);
        for (const r of rows) assert.equal(a[r], b[r], `image ${r}`);
        // evaluate() agrees on both engines, with a partial last batch.
        const ortAcc = await evaluate((x, n) => evaluator.run(x, n), data, { batchSize: 10 });
        const tfAcc = await evaluate(tfjsPredictor(model), data, { batchSize: 10 });
        assert.equal(ortAcc.count, IMAGES);
        if (rows.length === IMAGES) assert.deepEqual(ortAcc, tfAcc);
      } finally {
        await evaluator.release();
        model.dispose();
      }
    });
  }
});
