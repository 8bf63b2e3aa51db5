/**
 * Quick mode's interval math (src/core/sensitivity/lossInterval.ts, quickPoint.ts) on
 * simulated populations of paired differences, seeded: the intervals of all looks hold
 * together at least as often as their confidence says (coverage), they are narrow enough to
 * be worth having, they close on the exact value once every image is seen, and the stopping
 * rules (precision, a loss threshold) stop where they should.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { permutation } from '../../src/core/data/batches';
import { lookSchedule, WithoutReplacementBound } from '../../src/core/sensitivity/lossInterval';
import { QuickPoint } from '../../src/core/sensitivity/quickPoint';

/** A population of N images: `both` hit by both models, `onlyUnpruned` by the unpruned one only, `onlyPruned` by the pruned one only. */
interface Population {
  readonly unpruned: Uint8Array;
  readonly pruned: Uint8Array;
  /** The exact loss over every image. */
  readonly loss: number;
  readonly baseline: number;
}

function population(n: number, both: number, onlyUnpruned: number, onlyPruned: number): Population {
  const unpruned = new Uint8Array(n);
  const pruned = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    unpruned[i] = i < both + onlyUnpruned ? 1 : 0;
    pruned[i] = i < both || (i >= both + onlyUnpruned && i < both + onlyUnpruned + onlyPruned) ? 1 : 0;
  }
  const baseline = (both + onlyUnpruned) / n;
  return { unpruned, pruned, baseline, loss: (onlyUnpruned - onlyPruned) / n / baseline };
}

/** Every look's interval of one walk in `order`: [images, low, high] in loss units. */
function walk(p: Population, order: Uint32Array, looks: readonly number[], confidence: number): [number, number, number][] {
  const point = new QuickPoint({ precision: 1e-9, confidence }, p.unpruned, p.baseline, looks);
  const seen: [number, number, number][] = [];
  for (let i = 0; i < order.length; i++) {
    const at = order[i] as number;
    point.add(at, p.pruned[at] === 1);
    if (looks.includes(i + 1) || i + 1 === order.length) seen.push([i + 1, ...point.interval()]);
  }
  return seen;
}

describe('quick mode interval', () => {
  it('looks at whole batches, growing geometrically, below the dataset size', () => {
    assert.deepEqual(lookSchedule(10_000, 128), [128, 256, 384, 512, 768, 1152, 1792, 2688, 3968, 5888, 8704]);
    assert.deepEqual(lookSchedule(1000, 32), [128, 160, 256, 352, 512, 768]);
    assert.deepEqual(lookSchedule(100, 128), []);
  });

  it('covers the exact loss at every look together at least 95% of the time (simulated, seeded)', () => {
    const n = 2000;
    const looks = lookSchedule(n, 50);
    const cases = [population(n, 1600, 20, 10), population(n, 1500, 200, 20), population(n, 1200, 40, 45), population(n, 300, 600, 5), population(n, 1750, 2, 0)];
    const trials = 120;
    for (const p of cases) {
      let covered = 0;
      let lastWidth = 0;
      for (let t = 0; t < trials; t++) {
        const seen = walk(p, permutation(n, 1000 + t), looks, 0.95);
        if (seen.every(([, low, high]) => low <= p.loss + 1e-12 && p.loss <= high + 1e-12)) covered++;
        const last = seen[seen.length - 2] as [number, number, number];
        lastWidth += (last[2] - last[1]) / 2 / trials;
      }
      assert.ok(covered >= 0.95 * trials, `loss ${p.loss.toFixed(4)}: covered in ${covered} of ${trials} walks`);
      // Not vacuous: at the last look before the end (1,750 of 2,000 images) the interval is narrow.
      assert.ok(lastWidth < 0.06, `loss ${p.loss.toFixed(4)}: half-width ${lastWidth.toFixed(4)} at the last look`);
    }
  });

  it('closes on the exact loss once every image is seen', () => {
    const p = population(500, 300, 40, 15);
    const seen = walk(p, permutation(500, 3), lookSchedule(500, 25), 0.95);
    const [images, low, high] = seen[seen.length - 1] as [number, number, number];
    assert.equal(images, 500);
    assert.ok(Math.abs(low - p.loss) < 1e-12 && Math.abs(high - p.loss) < 1e-12, `[${low}, ${high}] against ${p.loss}`);
  });

  it('narrows with the sample, and with the finite population (sampling without replacement)', () => {
    const n = 4000;
    const looks = lookSchedule(n, 100);
    const bound = new WithoutReplacementBound(n, looks, 0.95);
    const order = permutation(n, 5);
    const widths: number[] = [];
    for (let i = 0; i < n; i++) {
      // A population with 2% of images at 0, 1% at 1, the rest at 0.5: mean 0.4975.
      const at = order[i] as number;
      const x = at < 80 ? 0 : at < 120 ? 1 : 0.5;
      if (bound.add(x) && i + 1 < n) widths.push(bound.interval().high - bound.interval().low);
    }
    for (let k = 1; k < widths.length; k++) assert.ok((widths[k] as number) <= (widths[k - 1] as number), `look ${k}: ${widths[k]} after ${widths[k - 1]}`);
    assert.ok((widths.at(-1) as number) < 0.5 * (widths.at(-3) as number), 'the last looks, near the whole set, narrow faster than 1/sqrt(n)');
  });
});

describe('a quick point stops', () => {
  const n = 4000;
  const looks = lookSchedule(n, 100);
  const run = (p: Population, rule: { precision?: number; loss?: number }): QuickPoint => {
    const point = new QuickPoint({ ...rule, confidence: 0.95 }, p.unpruned, p.baseline, looks);
    const order = permutation(n, 11);
    for (let i = 0; i < n && !point.done; i++) point.add(order[i] as number, p.pruned[order[i] as number] === 1);
    return point;
  };

  it('at the first look when its loss is far above the threshold', () => {
    const p = population(n, 1000, 2000, 20);
    const point = run(p, { precision: 0.005, loss: 0.01 });
    assert.equal(point.images, looks[0]);
    const estimate = point.estimate();
    assert.ok(estimate !== undefined && estimate.quick.interval[0] > 0.01);
    assert.equal(estimate.quick.images, looks[0]);
  });

  it('once its interval lies below the threshold, later for a loss close to it', () => {
    const low = run(population(n, 3600, 8, 4), { precision: 0.005, loss: 0.01 });
    const near = run(population(n, 3600, 60, 20), { precision: 0.005, loss: 0.01 });
    assert.ok(low.done && low.images < n && low.interval()[1] <= 0.01, `stopped at ${low.images}, [${low.interval().join(', ')}]`);
    assert.ok(near.images > low.images, `near the threshold: ${near.images} images, far below: ${low.images}`);
  });

  it('at the precision asked for, without a threshold', () => {
    const point = run(population(n, 3000, 30, 30), { precision: 0.02 });
    const [lo, hi] = point.interval();
    assert.ok(point.images < n && (hi - lo) / 2 <= 0.02, `${point.images} images, half-width ${(hi - lo) / 2}`);
    const coarser = run(population(n, 3000, 30, 30), { precision: 0.04 });
    assert.ok(coarser.images < point.images);
  });

  it('with a threshold alone, never while its interval holds the threshold: a point at it is measured exactly', () => {
    // Loss exactly 0.01: 36 more images lost than gained over 4,000, against a baseline of 0.9.
    const p = population(n, 3560, 40, 4);
    assert.ok(Math.abs(p.loss - 0.01) < 1e-12);
    assert.equal(run(p, { loss: 0.01 }).images, n);
    assert.equal(run(p, { loss: 0.01 }).estimate(), undefined);
    assert.ok(run(p, { precision: 0.005, loss: 0.01 }).images < n, 'with a precision too, it stops at that precision');
  });

  it('never, when no look is good enough: then it is exact and says so', () => {
    const p = population(n, 2000, 400, 380);
    const point = run(p, { precision: 1e-6 });
    assert.equal(point.images, n);
    assert.equal(point.estimate(), undefined);
  });
});
