/**
 * evaluate(): top-1/top-5 counting with deterministic ties, whole-dataset coverage,
 * progress, cancellation, and the errors for mismatched models.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ImageDataset } from '../../src/core/data/dataset';
import { evaluate, labelRank } from '../../src/core/eval/evaluate';
import type { Predictor } from '../../src/core/eval/evaluate';
import { CancelledError, PruneLensError } from '../../src/core/util/errors';
import type { ProgressEvent } from '../../src/core/util/progress';

/** A 1x1x1 dataset whose single pixel value is the image index. */
function dataset(labels: number[], numClasses = 10): ImageDataset {
  return {
    source: 'test:fake',
    images: Float32Array.from(labels, (_, i) => i),
    labels: Int32Array.from(labels),
    count: labels.length,
    height: 1,
    width: 1,
    channels: 1,
    numClasses,
  };
}

/** Predicts rank `rankOf(i)` for the label of image i (0 = top-1), with 10 classes. */
function rankingPredictor(ds: ImageDataset, rankOf: (i: number) => number, calls: number[] = []): Predictor {
  return async (images, n) => {
    calls.push(n);
    const out = new Float32Array(n * 10);
    for (let r = 0; r < n; r++) {
      const i = images[r] as number;
      const label = ds.labels[i] as number;
      // Classes other than the label get descending scores 9, 8, ...; the label is slotted in at its rank.
      const others = Array.from({ length: 10 }, (_, k) => k).filter((k) => k !== label);
      others.splice(rankOf(i), 0, label);
      others.forEach((k, pos) => (out[r * 10 + k] = 10 - pos));
    }
    return out;
  };
}

describe('labelRank', () => {
  const row = Float32Array.from([0.1, 0.5, 0.5, 0.2, -1]);
  it('counts strictly better classes, breaking ties by lower index', () => {
    assert.equal(labelRank(row, 0, 5, 1), 0);
    assert.equal(labelRank(row, 0, 5, 2), 1);
    assert.equal(labelRank(row, 0, 5, 3), 2);
    assert.equal(labelRank(row, 0, 5, 4), 4);
  });
  it('reads a row at an offset', () => {
    const two = Float32Array.from([9, 0, 0, 0, 1, 2]);
    assert.equal(labelRank(two, 3, 3, 2), 0);
  });
  it('ranks NaN below numbers and never counts a NaN label as a hit', () => {
    const nan = Float32Array.from([NaN, 0.3, NaN]);
    assert.equal(labelRank(nan, 0, 3, 1), 0);
    assert.equal(labelRank(nan, 0, 3, 0), Infinity);
    assert.equal(labelRank(Float32Array.from([NaN, NaN]), 0, 2, 0), Infinity);
  });
});

describe('evaluate', () => {
  it('covers the whole set, including a partial last batch', async () => {
    const ds = dataset(Array.from({ length: 25 }, (_, i) => i % 10));
    const calls: number[] = [];
    // Ranks cycle 0..6: images with rank 0 are top-1 hits, ranks 0..4 top-5 hits.
    const res = await evaluate(rankingPredictor(ds, (i) => i % 7, calls), ds, { batchSize: 8 });
    assert.deepEqual(calls, [8, 8, 8, 1]);
    const ranks = Array.from({ length: 25 }, (_, i) => i % 7);
    const c1 = ranks.filter((r) => r === 0).length;
    const c5 = ranks.filter((r) => r < 5).length;
    assert.deepEqual(res, { top1: c1 / 25, top5: c5 / 25, count: 25, correct1: c1, correct5: c5 });
  });
  it('drops the last partial batch only when asked', async () => {
    const ds = dataset(Array.from({ length: 25 }, () => 3));
    const res = await evaluate(rankingPredictor(ds, () => 0), ds, { batchSize: 8, dropLast: true });
    assert.equal(res.count, 24);
    assert.equal(res.top1, 1);
  });
  it('reports progress in images with stage "evaluate"', async () => {
    const ds = dataset(Array.from({ length: 10 }, () => 1));
    const events: ProgressEvent[] = [];
    await evaluate(rankingPredictor(ds, () => 0), ds, { batchSize: 4, onProgress: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => [e.stage, e.done, e.total]), [['evaluate', 4, 10], ['evaluate', 8, 10], ['evaluate', 10, 10]]);
    assert.equal(events.at(-1)?.metrics?.['top1'], 1);
  });
  it('stops between batches when cancelled', async () => {
    const ds = dataset(Array.from({ length: 40 }, () => 0));
    const controller = new AbortController();
    const calls: number[] = [];
    const predict = rankingPredictor(ds, () => 0, calls);
    await assert.rejects(
      evaluate(async (x, n) => {
        const out = await predict(x, n);
        controller.abort();
        return out;
      }, ds, { batchSize: 10, signal: controller.signal }),
      CancelledError,
    );
    assert.deepEqual(calls, [10]);
    await assert.rejects(evaluate(predict, ds, { signal: controller.signal }), CancelledError);
  });
  it('top-5 is always a hit with five classes or fewer', async () => {
    const ds = dataset([0, 1, 2], 3);
    const res = await evaluate(async (_x, n) => Float32Array.from({ length: n * 3 }, (_, k) => k % 3), ds);
    assert.deepEqual([res.correct1, res.correct5], [1, 3]);
  });
  it('refuses labels the model cannot predict, odd output sizes, and empty sets', async () => {
    const ds = dataset([0, 5]);
    await assert.rejects(evaluate(async (_x, n) => new Float32Array(n * 4), ds), (e: unknown) => e instanceof PruneLensError && /label 5 .* 4 classes/.test(e.message));
    await assert.rejects(evaluate(async (_x, n) => new Float32Array(n * 4 + 1), ds), /not a whole number of classes/);
    await assert.rejects(evaluate(async () => new Float32Array(0), dataset([])), /nothing to evaluate/);
  });
});
