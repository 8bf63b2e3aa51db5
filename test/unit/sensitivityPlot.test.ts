/**
 * The SVG plot: well-formed XML (checked by a small tokenizer, no browser), one curve and
 * one heatmap row per channel group (a coupled group is one row), the threshold line, and markings for negative, skipped and
 * unprunable cells.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sensitivityPlotSvg } from '../../src/core/sensitivity/plot';
import type { SensitivityResults } from '../../src/shared/results';
import { handResults } from './sensitivityFixtures';
import { checkWellFormed } from './xmlCheck';

const results: SensitivityResults = (() => {
  const r = handResults(
    {
      'conv<1>&_weights': { 0.1: -0.004, 0.2: 0.002, 0.3: 0.02 },
      conv2_weights: { 0.1: 0.03, 0.2: { skipped: 'early-stop', reason: 'loss 0.03 at ratio 0.1 passed the early-stop limit 0.02', finishedAt: 't' } },
      conv3_weights: { 0.1: 0.3, 0.2: 0.1, 0.3: 0.6 },
      conv4_weights: { 0.1: 0.3, 0.2: 0.1, 0.3: 0.6 },
    },
    { groups: { g3: ['conv3_weights', 'conv4_weights'] } },
  );
  return {
    ...r,
    params: { ...r.params, fc_weights: 'fc' },
    groups: { ...r.groups, fc: { id: 'fc', params: ['fc_weights'], channels: 10, prunable: false, reason: "channels are the model's output" } },
  };
})();

it('writes a well-formed SVG with one curve and one heatmap row per group', () => {
  const svg = sensitivityPlotSvg(results, { threshold: 0.01 });
  checkWellFormed(svg);
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // conv4_weights is coupled with conv3_weights: one row for the pair, named by the first.
  const params = Object.keys(results.params).filter((p) => p !== 'conv4_weights');
  const curves = [...svg.matchAll(/<g class="curve" data-param="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(curves, params.map((p) => p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
  assert.equal([...svg.matchAll(/<g class="heat-row"/g)].length, params.length);
  // Every measured param draws a polyline; the unprunable one has none.
  assert.equal([...svg.matchAll(/<polyline /g)].length, params.length - 1);
  assert.match(svg, /<line class="threshold"[^>]*><title>loss threshold 0.01<\/title>/);
});

it('marks negative losses blue, skipped cells hatched and unprunable rows grey with the reason', () => {
  const svg = sensitivityPlotSvg(results, { threshold: 0.01 });
  const negative = /<rect class="cell passes"[^>]*fill="(#[0-9a-f]{6})"><title>conv&lt;1&gt;&amp;_weights at 0\.1: loss -0\.004/.exec(svg);
  const colour = negative?.[1] ?? '';
  assert.ok(colour !== '' && parseInt(colour.slice(5, 7), 16) > parseInt(colour.slice(1, 3), 16), `negative loss colour ${colour} is not blue`);
  assert.match(svg, /<rect class="skipped"[^>]*><title>conv2_weights at 0\.2: skipped \(loss 0\.03 at ratio 0\.1/);
  assert.match(svg, /<rect class="unprunable"[^>]*><title>fc_weights: not prunable: channels are the model&apos;s output/);
  assert.match(svg, /conv3_weights \(group of 2\)/);
  checkWellFormed(sensitivityPlotSvg(results, { panels: 'heatmap' }));
  assert.doesNotMatch(sensitivityPlotSvg(results, { panels: 'heatmap' }), /class="curve"/);
});
