/**
 * The extension's pure parts, without VS Code: what the input boxes accept and the
 * messages they show, and the explorer's rows (one per channel group, the ratio the budget
 * picks and the colour it gives).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetLevel, groupRows } from '../../src/extension/explorerModel';
import { outcomeActions, outcomeLine } from '../../src/extension/jobOutcome';
import { formatCount, formatPercent, formatRatio } from '../../src/shared/format';
import { filterParams, mergeRefusal, newRatios, parseCount, parseFlopsTarget, parseJsonFileName, parseLossThreshold, parseOptionalPositive, parseRatioList } from '../../src/extension/validate';
import type { JobInfo } from '../../src/shared/protocol';
import type { SensitivityResults } from '../../src/shared/results';

test('ratio lists: commas or spaces, percentages, sorted and de-duplicated; bad entries are named', () => {
  assert.deepEqual(parseRatioList('0.3, 0.1 10%,0.30000000000000004'), { value: [0.1, 0.3] });
  assert.deepEqual(parseRatioList(''), { error: 'give at least one ratio, e.g. 0.1, 0.2, 0.3' });
  assert.deepEqual(parseRatioList('0.1, abc'), { error: '"abc" is not a number' });
  assert.deepEqual(parseRatioList('0.5 1'), { error: '1 is not a ratio between 0 and 1 (both excluded)' });
  assert.deepEqual(parseRatioList('0.00001'), { error: '0.00001 rounds to 0 at 4 decimals' });
  assert.deepEqual(newRatios([0.1, 0.6, 0.7], [0.1, 0.2]), [0.6, 0.7]);
});

test('thresholds, FLOPs targets, counts and names', () => {
  assert.deepEqual(parseLossThreshold('1%'), { value: 0.01 });
  assert.deepEqual(parseLossThreshold('0'), { value: 0 });
  assert.ok(parseLossThreshold('1.5').error);
  assert.ok(parseLossThreshold('x').error);
  assert.deepEqual(parseFlopsTarget('50%'), { value: 0.5 });
  assert.ok(parseFlopsTarget('1').error);
  assert.deepEqual(parseCount('4', 1, 8, 'workers'), { value: 4 });
  assert.deepEqual(parseCount('9', 1, 8, 'workers'), { error: 'workers must be from 1 to 8' });
  assert.deepEqual(parseCount('2.5', 1, 8, 'workers'), { error: 'workers is a whole number' });
  assert.deepEqual(parseOptionalPositive(' ', 'rate'), { value: null });
  assert.deepEqual(parseOptionalPositive('0.01', 'rate'), { value: 0.01 });
  assert.ok(parseOptionalPositive('-1', 'rate').error);
  assert.deepEqual(parseJsonFileName(' out/sens.json '), { value: 'out/sens.json' });
  assert.ok(parseJsonFileName('sens.txt').error);
});

const point = (loss: number): { loss: number; metric: number; channelsPruned: number; seconds: number; finishedAt: string } => ({ loss, metric: 1 - loss, channelsPruned: 1, seconds: 1, finishedAt: 't' });

test('explorer rows: one per channel group, members listed in it, the ratio the budget picks and what it makes of the group', () => {
  const results = {
    params: { a_weights: 'a_weights', a_dw_weights: 'a_weights', b_weights: 'b_weights', c_weights: 'c_weights', fc_weights: 'fc_weights' },
    groups: {
      a_weights: { id: 'a_weights', params: ['a_weights', 'a_dw_weights'], channels: 8, prunable: true },
      b_weights: { id: 'b_weights', params: ['b_weights'], channels: 4, prunable: true },
      c_weights: { id: 'c_weights', params: ['c_weights'], channels: 4, prunable: true },
      fc_weights: { id: 'fc_weights', params: ['fc_weights'], channels: 10, prunable: false, reason: 'model output' },
    },
    points: {
      a_weights: { '0.2': point(0.005), '0.4': point(0.02), '0.6': { skipped: 'early-stop', reason: 'loss passed', finishedAt: 't' } },
      b_weights: { '0.2': point(0.5) },
      c_weights: { '0.2': point(0.001), '0.4': point(0.002) },
    },
  } as unknown as SensitivityResults;
  const rows = groupRows(results, 0.01);
  assert.deepEqual(rows.map((r) => r.id), ['a_weights', 'b_weights', 'c_weights', 'fc_weights'], 'one row per group, the depthwise member inside its group');
  const [a, b, , fc] = rows;
  assert.deepEqual(a?.params, ['a_weights', 'a_dw_weights']);
  assert.ok(a?.chosen !== undefined && Math.abs(a.chosen - (0.2 + (0.005 * 0.2) / 0.015)) < 1e-12);
  assert.deepEqual(a?.points.map((p) => [p.ratio, p.loss, p.skipped]), [[0.2, 0.005, undefined], [0.4, 0.02, undefined], [0.6, undefined, 'loss passed']]);
  assert.equal(b?.chosen, 0);
  assert.deepEqual([fc?.prunable, fc?.reason, fc?.points.length, fc?.chosen], [false, 'model output', 0, undefined]);
  // The colour follows the budget: 0.27 of 0.6 scanned is less than half; b keeps all; c prunes all it was scanned at.
  assert.deepEqual(rows.map(budgetLevel), ['prunes-little', 'keeps', 'prunes', 'unmeasured']);
  assert.deepEqual(groupRows(results, 0.5).map(budgetLevel), ['prunes', 'prunes', 'prunes', 'unmeasured'], 'a looser budget turns them green');
});

test('numbers: percentages and ratios with two decimals, counts with three digits', () => {
  assert.equal(formatPercent(0.010077519379844968), '1.01%');
  assert.equal(formatPercent(0.6437125748502994), '64.37%');
  assert.equal(formatRatio(0.12957692307692295), '0.13');
  assert.equal(formatRatio(0.1), '0.10');
  assert.deepEqual([formatCount(752000), formatCount(31021952), formatCount(1234), formatCount(12)], ['752k', '31.0M', '1.23k', '12']);
});

test('job outcomes: the output line and the message buttons (the report and the file written)', () => {
  const base = { id: 'j1', pids: [], restarts: 0, startedAt: 't', done: 1, total: 1 };
  const scan: JobInfo = { ...base, kind: 'sensitivity', title: 'Sensitivity: sens.json', spec: { kind: 'sensitivity', file: '/w/sens.json' }, state: 'succeeded', result: { summary: '6 points', outputs: ['/w/sens.json'] } };
  assert.equal(outcomeLine(scan), 'Sensitivity: sens.json: finished: 6 points');
  assert.deepEqual(outcomeActions(scan), [{ label: 'Show Report', report: '/w/sens.json' }, { label: 'Open JSON', open: '/w/sens.json' }]);
  const prune: JobInfo = {
    ...base,
    kind: 'prune',
    title: 'Prune',
    spec: { kind: 'prune', output: '/w/out', ratios: { results: '/w/sens.json', loss: 0.01 } },
    state: 'succeeded',
    result: { summary: 'pruned', outputs: ['/w/out/model.json', '/w/out/pruning-plan.json'] },
  };
  assert.deepEqual(outcomeActions(prune), [{ label: 'Open model.json', open: '/w/out/model.json' }, { label: 'Show Report', report: '/w/sens.json' }]);
  assert.deepEqual(outcomeActions({ ...prune, spec: { kind: 'prune', output: '/w/out', model: '/w/m.json', ratios: { file: '/w/r.json' } } }).map((a) => a.label), ['Open model.json']);
  assert.equal(outcomeLine({ ...scan, state: 'cancelled', result: undefined }), 'Sensitivity: sens.json: cancelled; the finished points are kept');
  assert.equal(outcomeLine({ ...prune, state: 'failed', error: 'no room' }), 'Prune: failed: no room');
  assert.deepEqual(outcomeActions({ ...prune, state: 'failed' }), []);
});

test('the parameter filter counts its matches, and names a regex that does not compile', () => {
  const params = ['conv1_weights', 'conv2_1_sep_weights', 'conv2_2_dw_weights', 'conv3_1_sep_weights'].map((name) => ({ name }));
  assert.deepEqual(filterParams(params, '_sep_weights'), { value: [params[1], params[3]], note: '2 of 4 conv kernels match' });
  assert.deepEqual(filterParams(params, '/conv[23]_1/').value?.map((p) => p.name), ['conv2_1_sep_weights', 'conv3_1_sep_weights']);
  assert.equal(filterParams(params, '').note, '4 of 4 conv kernels match');
  assert.match(filterParams(params, '/conv[/').error ?? '', /^not a valid regular expression: \/conv\[\/: Unterminated character class$/);
  assert.equal(filterParams(params, 'fc').error, 'no conv kernel of the 4 matches');
});

test('a refused merge is explained without the command line flag', () => {
  const error = 'refusing to merge results that are not comparable:\n  a.json: criterion l2_norm, b.json: l1_norm\n(--force merges them anyway; the last file\'s metadata wins)';
  const text = mergeRefusal(error) ?? '';
  assert.match(text, /not comparable: a\.json: criterion l2_norm, b\.json: l1_norm\. Merge Anyway/);
  assert.doesNotMatch(text, /--force/);
  assert.equal(mergeRefusal('disk full'), undefined);
});
