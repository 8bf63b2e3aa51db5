/**
 * Golden cases for ratiosByLoss (PaddleSlim's get_ratios_by_loss, computed by hand from its
 * rule) and for the FLOPs-target bisection, plus the adapter from results files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlopsModel } from '../../src/shared/flops';
import { macsAfterPruning } from '../../src/shared/flops';
import * as path from 'node:path';
import { writeResults } from '../../src/core/sensitivity/resultsFile';
import { groupRatiosOf, ratiosBeyondBudget, ratiosByLoss, ratiosForFlopsTarget, sensitivitiesOf, type ParamRatios } from '../../src/shared/ratios';
import { runCli } from './cliHarness';
import { handResults, tempDir } from './sensitivityFixtures';

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${what}: expected ${expected}, got ${actual}`);
}

describe('ratiosByLoss (PaddleSlim get_ratios_by_loss)', () => {
  it('monotonic curve: interpolates between the last passing point and the next', () => {
    // 0.4 (0.05) and 0.3 (0.02) fail, 0.2 (0.01) passes: 0.2 + (0.015 - 0.01) * 0.1 / (0.02 - 0.01) = 0.25.
    const r = ratiosByLoss({ p: { '0.1': 0.005, '0.2': 0.01, '0.3': 0.02, '0.4': 0.05 } }, 0.015);
    close(r['p'], 0.25, 'p');
  });

  it('non-monotonic curve: the highest passing ratio wins, interpolated towards the next', () => {
    // Scanning down: 0.5 (0.1) fails, 0.4 (0.008) passes although 0.3 (0.03) failed.
    // 0.4 + (0.01 - 0.008) * (0.5 - 0.4) / (0.1 - 0.008) = 0.4 + 0.0002 / 0.092.
    const r = ratiosByLoss({ p: { '0.1': 0.02, '0.2': 0.005, '0.3': 0.03, '0.4': 0.008, '0.5': 0.1 } }, 0.01);
    close(r['p'], 0.4 + 0.0002 / 0.092, 'p');
  });

  it('negative losses pass like any other and interpolate across zero', () => {
    // Threshold 0: 0.3 (0.004) fails, 0.2 (-0.002) passes: 0.2 + 0.002 * 0.1 / 0.006.
    const r = ratiosByLoss({ p: { '0.1': -0.01, '0.2': -0.002, '0.3': 0.004 } }, 0);
    close(r['p'], 0.2 + 0.0002 / 0.006, 'p');
    // All negative: the largest measured ratio.
    assert.equal(ratiosByLoss({ q: { '0.1': -0.01, '0.5': -0.001 } }, 0)['q'], 0.5);
  });

  it('no passing point gives 0.0; a param with no points is left out', () => {
    const r = ratiosByLoss({ p: { '0.1': 0.5, '0.2': 0.6 }, empty: {} }, 0.01);
    assert.deepEqual(r, { p: 0 });
  });

  it('an exact hit at the largest ratio returns it; an exact hit below interpolates to itself', () => {
    assert.equal(ratiosByLoss({ p: { '0.1': 0.001, '0.2': 0.01 } }, 0.01)['p'], 0.2);
    assert.equal(ratiosByLoss({ p: { '0.1': 0.005, '0.2': 0.01, '0.3': 0.03 } }, 0.01)['p'], 0.2);
  });

  it('sorts ratio keys numerically whatever their order in the table', () => {
    const r = ratiosByLoss({ p: { '0.3': 0.02, '0.1': 0.0, '0.25': 0.01 } }, 0.01);
    assert.equal(r['p'], 0.25);
  });
});

describe('sensitivitiesOf and groupRatiosOf', () => {
  it('shows a coupled group under every member and leaves skipped points out', () => {
    const results = handResults(
      { a: { 0.1: 0.001, 0.2: { skipped: 'early-stop', reason: 'r', finishedAt: 't' } }, b: {}, c: { 0.1: 0.5 } },
      { groups: { g: ['a', 'b'] } },
    );
    const sens = sensitivitiesOf(results);
    assert.deepEqual(sens, { a: { '0.1': 0.001 }, b: { '0.1': 0.001 }, c: { '0.1': 0.5 } });
    const ratios = ratiosByLoss(sens, 0.01);
    assert.deepEqual(ratios, { a: 0.1, b: 0.1, c: 0 });
    assert.deepEqual(groupRatiosOf(results.params, ratios), { g: 0.1, c: 0 });
  });
});

describe('ratiosForFlopsTarget', () => {
  // Two layers of 100 MACs, each scaled by its own 10-channel group.
  const flops: FlopsModel = {
    totalMacs: 200,
    groups: { A: { channels: 10 }, B: { channels: 10 } },
    layers: [
      { name: 'A', className: 'Conv2D', terms: [{ macs: 100, scaledBy: [[{ group: 'A', count: 10 }]] }] },
      { name: 'B', className: 'Conv2D', terms: [{ macs: 100, scaledBy: [[{ group: 'B', count: 10 }]] }] },
    ],
  };
  const sens = { A: { '0.2': 0.01, '0.4': 0.02, '0.6': 0.04 }, B: { '0.2': 0.05, '0.4': 0.1 } };
  const after = (ratios: ParamRatios): number => macsAfterPruning(flops, ratios);

  it('finds the smallest threshold that reaches the target, past plateaus PaddleSlim stops on', () => {
    // 35% needs 7 of the 20 channels: A gives at most 6 (ratio 0.6 from loss 0.04), so B must
    // give some, and B starts at loss 0.05 with ratio 0.2 (2 channels): 8 channels, 40%.
    // PaddleSlim's repeat rule would stop at threshold 0.25 (both at their largest, 50%).
    const found = ratiosForFlopsTarget(sens, 0.35, after, 200);
    assert.equal(found.reached, true);
    assert.equal(found.reduction, 0.4);
    assert.ok(Math.abs(found.loss - 0.05) < 1e-5, `threshold ${found.loss}`);
    assert.deepEqual(found.ratios, { A: 0.6, B: found.ratios['B'] });
    assert.ok((found.ratios['B'] ?? 0) < 0.2001);
    assert.ok(found.probes.length <= 25, `${found.probes.length} probes`);
  });

  it('stops on an exact hit', () => {
    const found = ratiosForFlopsTarget(sens, 0.3, after, 200);
    assert.equal(found.reduction, 0.3);
    assert.equal(found.reached, true);
    assert.equal(found.ratios['B'], 0);
  });

  it('an unreachable target returns the largest measured ratios with reached: false', () => {
    const found = ratiosForFlopsTarget(sens, 0.6, after, 200);
    assert.equal(found.reached, false);
    assert.equal(found.loss, 1);
    assert.deepEqual(found.ratios, { A: 0.6, B: 0.4 });
    assert.equal(found.reduction, 0.5);
  });
});

describe('non-monotone curves: the warning and --monotone', () => {
  // 41.5% loss at 0.3 but 3.5% at 0.5: PaddleSlim's reading picks 0.5 at a 5% budget.
  const sens = { conv1_weights: { '0.1': 0.01, '0.3': 0.415, '0.5': 0.035 }, conv2_weights: { '0.1': 0.001, '0.3': 0.02 } };

  it("PaddleSlim's reading picks past the point over the budget; the warning names it", () => {
    const chosen = ratiosByLoss(sens, 0.05);
    assert.equal(chosen['conv1_weights'], 0.5);
    const beyond = ratiosBeyondBudget(sens, chosen, 0.05);
    assert.equal(beyond.length, 1);
    assert.deepEqual({ ...beyond[0], safe: Number(beyond[0]?.safe.toFixed(6)) }, { param: 'conv1_weights', ratio: 0.5, over: { ratio: 0.3, loss: 0.415 }, safe: 0.119753 });
  });

  it('--monotone stops at the first point over the budget, and agrees with PaddleSlim on monotone curves', () => {
    const safe = ratiosByLoss(sens, 0.05, { monotone: true });
    assert.ok(Math.abs((safe['conv1_weights'] as number) - (0.1 + (0.04 * 0.2) / 0.405)) < 1e-12);
    assert.equal(safe['conv2_weights'], ratiosByLoss(sens, 0.05)['conv2_weights']);
    assert.deepEqual(ratiosByLoss({ a: { '0.1': 0.2 } }, 0.05, { monotone: true }), { a: 0 });
  });

  it('prunelens ratios warns, and --monotone takes the safe ratio', async () => {
    const dir = await tempDir('ratios-monotone');
    const file = path.join(dir, 'sens.json');
    await writeResults(file, handResults({ conv1_weights: { 0.1: 0.01, 0.3: 0.415, 0.5: 0.035 } }));
    const plain = await runCli('ratios', file, '--loss', '0.05');
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /warning: conv1_weights: ratio 0\.50 lies beyond ratio 0\.30, whose loss 41\.50% is over the budget .*--monotone chooses 0\.12/);
    const safe = await runCli('ratios', file, '--loss', '0.05', '--monotone');
    assert.match(safe.out, /conv1_weights\s+0\.12/);
    assert.doesNotMatch(safe.out, /warning/);
  });
});
