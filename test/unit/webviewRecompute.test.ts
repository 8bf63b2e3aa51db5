/**
 * The report webview's recompute (webview/recompute.ts) against the functions the CLI's
 * `ratios` command uses: the same ratios, the same FLOPs, weights that shrink with them, a
 * FLOPs target the prune job reproduces from its threshold alone; and the data the views
 * are drawn from (rows, columns, live points, marker positions, the slider's scale).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { layerCostsAfterPruning, macsAfterPruning } from '../../src/shared/flops';
import { groupRatiosOf, ratiosByLoss, sensitivitiesOf } from '../../src/shared/ratios';
import { ratiosFileFor } from '../../src/shared/ratiosFile';
import { isMeasured, type SensitivityResults } from '../../src/shared/results';
import { effectiveMode, recompute } from '../../webview/recompute';
import { columnPosition, reportData, withPoint } from '../../webview/reportData';
import { flopsTargetFromSlider, lossFromSlider, lossSliderMax, sliderFromFlopsTarget, sliderFromLoss } from '../../webview/sliderScale';
import { syntheticResults } from './webviewFixtures';

const results = syntheticResults({ groups: 12, ratios: 6 });

describe('recompute', () => {
  it('gives the ratios file `prunelens ratios` writes, and the MACs and weights after those ratios', () => {
    const data = reportData(results);
    const out = recompute(data, { mode: 'loss', loss: 0.02, flopsTarget: 0.5 }, 'sens.json');
    assert.deepEqual(out.file, ratiosFileFor(results, { loss: 0.02 }, 'sens.json'));
    assert.deepEqual(out.file.ratios, ratiosByLoss(sensitivitiesOf(results), 0.02));
    assert.deepEqual(out.groupRatios, groupRatiosOf(results.params, out.file.ratios));
    const flops = results.flops;
    assert.ok(flops !== undefined && out.macs !== undefined && out.params !== undefined);
    assert.equal(out.macs.after, macsAfterPruning(flops, out.groupRatios));
    const costs = layerCostsAfterPruning(flops, out.groupRatios);
    assert.equal(out.params.after, costs.reduce((n, l) => n + (l.params?.after ?? 0), 0));
    assert.ok(out.params.after < out.params.before && out.macs.after < out.macs.before);
    assert.equal(out.layers.get('conv0')?.macs.after, costs[0]?.macs.after);
    // Members of a coupled group share their group's ratio.
    assert.equal(out.file.ratios['conv4_dw_weights'], out.file.ratios['conv4_weights']);
  });

  it('prunes more as the budget grows, and nothing at a budget no point meets', () => {
    const data = reportData(results);
    let last = Infinity;
    for (const loss of [0, 0.001, 0.01, 0.05, 0.2, 1]) {
      const after = recompute(data, { mode: 'loss', loss, flopsTarget: 0.5 }).macs?.after ?? NaN;
      assert.ok(after <= last, `MACs after at ${loss}: ${after} > ${last}`);
      last = after;
    }
    const none = recompute(data, { mode: 'loss', loss: -1, flopsTarget: 0.5 });
    assert.equal(none.prunedGroups, 0);
    assert.equal(none.macs?.reduction, 0);
  });

  it('counts as pruned only the groups that lose a channel, as the pruning plan does', () => {
    // A ratio of 0.01 passes a zero budget but removes none of a group's 16 channels.
    const base = syntheticResults({ groups: 3, ratios: 2 });
    const point = { loss: 0, metric: 0.9, channelsPruned: 0, seconds: 0.1, finishedAt: 't' };
    const results = withPoint(base, { type: 'point', group: 'conv0_weights', params: ['conv0_weights'], ratio: 0.01, point }) as SensitivityResults;
    const computed = recompute(reportData(results), { mode: 'loss', loss: 0, flopsTarget: 0.5 });
    assert.equal(computed.groupRatios['conv0_weights'], 0.01);
    assert.equal(computed.prunedGroups, Object.entries(computed.groupRatios).filter(([g, r]) => r > 0 && g !== 'conv0_weights').length);
  });

  it('meets a FLOPs target, and the threshold it settles on gives the prune job the same ratios', () => {
    const data = reportData(results);
    const out = recompute(data, { mode: 'flops', loss: 0.01, flopsTarget: 0.3 });
    assert.deepEqual(out.file.target, { flopsReduction: 0.3, reached: true });
    assert.ok((out.macs?.reduction ?? 0) >= 0.3);
    // The prune job is given { results, loss }: ratiosFileFor at that loss, as the worker runs it.
    assert.deepEqual(ratiosFileFor(results, { loss: out.file.loss }).ratios, out.file.ratios);
    const unreachable = recompute(data, { mode: 'flops', loss: 0.01, flopsTarget: 0.95 });
    assert.equal(unreachable.file.target?.reached, false);
  });

  it('falls back to the loss budget for a file without a FLOPs model, and leaves weights out for one that does not count them', () => {
    const { flops: _flops, ...bare } = results;
    const data = reportData(bare as SensitivityResults);
    assert.equal(effectiveMode(data, 'flops'), 'loss');
    const out = recompute(data, { mode: 'flops', loss: 0.02, flopsTarget: 0.5 });
    assert.equal(out.file.target, undefined);
    assert.equal(out.macs, undefined);
    const flops = results.flops;
    assert.ok(flops !== undefined);
    const old = { ...results, flops: { ...flops, layers: flops.layers.map((l) => ({ ...l, terms: l.terms.map(({ params: _p, ...t }) => t) })) } };
    const oldOut = recompute(reportData(old), { mode: 'loss', loss: 0.02, flopsTarget: 0.5 });
    assert.equal(oldOut.params, undefined);
    assert.equal(oldOut.macs?.after, recompute(reportData(results), { mode: 'loss', loss: 0.02, flopsTarget: 0.5 }).macs?.after);
  });
});

describe('report data', () => {
  it('has a row per group in order, every ratio as a column, skips and unprunable groups as they are', () => {
    const data = reportData(results);
    assert.deepEqual(data.rows.map((r) => r.group), Array.from({ length: 12 }, (_, i) => `conv${i}_weights`));
    assert.deepEqual(data.columns.map((c) => c.ratio), results.metadata.ratios);
    assert.deepEqual(data.rows[4]?.params, ['conv4_weights', 'conv4_dw_weights']);
    const last = data.rows[11];
    assert.equal(last?.prunable, false);
    assert.ok(last?.cells.every((c) => c === undefined));
    assert.ok(data.rows.some((r) => r.cells.some((c) => c !== undefined && !isMeasured(c))), 'some skipped cells');
    assert.ok(data.minLoss < 0, 'some negative losses');
    assert.equal(data.lossScale, Math.max(-data.minLoss, data.maxLoss, 0.01));
    assert.equal(data.layerOfParam.get('conv4_dw_weights')?.className, 'DepthwiseConv2D');
    assert.ok(data.hasFlops && data.hasParams);
  });

  it('takes a live point into its cell, adds a column for a new ratio, and refuses a group it does not know', () => {
    const point = { loss: 0.123, metric: 0.8, channelsPruned: 15, seconds: 1, finishedAt: 't' };
    const next = withPoint(results, { type: 'point', group: 'conv0_weights', params: ['conv0_weights'], ratio: 0.95, point });
    assert.ok(next !== undefined);
    const data = reportData(next);
    assert.equal(data.columns.at(-1)?.key, '0.95');
    assert.deepEqual(data.rows[0]?.cells.at(-1), point);
    assert.equal(results.points['conv0_weights']?.['0.95'], undefined, 'the old results are left alone');
    assert.equal(withPoint(results, { type: 'point', group: 'new_weights', params: ['new_weights'], ratio: 0.1, point }), undefined);
  });

  it('places a ratio among uneven columns: centres, interpolated between them, 0 at the left edge', () => {
    const columns = [0.1, 0.2, 0.5].map((ratio) => ({ key: String(ratio), ratio }));
    assert.equal(columnPosition(0, columns), -0.5);
    assert.equal(columnPosition(0.05, columns), -0.25);
    assert.equal(columnPosition(0.2, columns), 1);
    assert.ok(Math.abs(columnPosition(0.35, columns) - 1.5) < 1e-12);
    assert.equal(columnPosition(0.9, columns), 2);
    assert.equal(columnPosition(0.3, []), -0.5);
  });
});

describe('threshold slider scale', () => {
  it('is quadratic for the loss budget and linear for the FLOPs target, and round-trips', () => {
    assert.equal(lossSliderMax(0.004), 0.02);
    assert.equal(lossSliderMax(3), 1);
    assert.equal(lossFromSlider(500, 0.2), 0.05);
    for (const loss of [0, 0.001, 0.01, 0.05, 0.2]) assert.ok(Math.abs(lossFromSlider(sliderFromLoss(loss, 0.2), 0.2) - loss) < 0.0005);
    assert.equal(sliderFromLoss(0.5, 0.2), 1000);
    for (const target of [0.01, 0.3, 0.5, 0.95]) assert.equal(flopsTargetFromSlider(sliderFromFlopsTarget(target)), target);
  });

});
