/**
 * The report's chart layout (webview/chartLayout.ts): the heatmap's cells share the pane's
 * width within their limits, axis ticks keep their labels apart, a label beside a marker
 * stays inside the chart, and a dozen curves get a dozen different line styles.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CELL_WIDTH, MIN_CELL_WIDTH, heatmapGeometry, labelStart, seriesStyle, spacedTicks } from '../../webview/chartLayout';

it('gives the heatmap cells what the labels leave, within limits, and never more width than it has when that suffices', () => {
  const fit = heatmapGeometry(556, 140, 9);
  assert.ok(fit.width <= 556, `nine ratios fit in 556 px: ${JSON.stringify(fit)}`);
  assert.equal(fit.left, 150);
  assert.ok(fit.cell >= MIN_CELL_WIDTH);
  assert.equal(heatmapGeometry(2000, 140, 9).cell, MAX_CELL_WIDTH, 'a wide pane does not make huge cells');
  assert.equal(heatmapGeometry(300, 140, 9).cell, MIN_CELL_WIDTH, 'a narrow pane scrolls rather than squeezing the numbers');
});

it('drops tick labels that would collide, keeping zero', () => {
  // A square-root axis crowds 0, 1%, 2% and 5% near zero.
  const ticks = [0, 0.01, 0.02, 0.05, 0.1, 0.2].map((v) => ({ value: v, at: 200 - 190 * Math.sqrt(v), size: 11 }));
  const kept = spacedTicks(ticks, 3, (t) => t.value === 0).map((t) => t.value);
  assert.ok(kept.includes(0));
  const positions = spacedTicks(ticks, 3, (t) => t.value === 0).map((t) => t.at);
  for (let i = 1; i < positions.length; i++) assert.ok(Math.abs((positions[i] as number) - (positions[i - 1] as number)) >= 14, `labels ${kept.join(', ')} stay apart`);
  assert.ok(kept.length < ticks.length, 'some were dropped');
  const wide = [0.1, 0.125, 0.2].map((v, i) => ({ value: v, at: 100 + [0, 10, 60][i]!, size: 24 }));
  assert.deepEqual(spacedTicks(wide, 6).map((t) => t.value), [0.1, 0.2]);
});

it('puts a label beside its marker on the side with room, and inside the chart', () => {
  assert.equal(labelStart(100, 80, 50, 600), 104);
  assert.equal(labelStart(580, 80, 50, 600), 496, 'near the right edge it goes to the left of the marker');
  assert.equal(labelStart(100, 500, 50, 600), 100, 'too wide for either side: as far right as it fits');
});

it('styles thirteen curves all differently', () => {
  const styles = Array.from({ length: 13 }, (_, i) => seriesStyle(i));
  assert.equal(new Set(styles.map((s) => `${s.colour}/${s.dash}`)).size, 13);
});
