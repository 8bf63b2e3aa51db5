/**
 * The heatmap's colour scale (src/shared/lossColour.ts, webview/colourScale.ts): zero is the
 * background, losses go red and gains blue, a tiny gain never looks like nothing, the
 * `prunelens plot` picture keeps its colours, and the text on every cell stays readable in
 * every theme.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { lossColour as plotColour } from '../../src/core/sensitivity/svg';
import { LIGHT_PALETTE, lossColour, lossRgb, NEGATIVE_FLOOR } from '../../src/shared/lossColour';
import { cellColours, contrastRatio, legendStops, paletteFor, parseCssColour, themeKindOf, type ThemeKind } from '../../webview/colourScale';

it('draws zero as the background, losses towards red and gains towards blue, with a floor for gains', () => {
  assert.equal(lossColour(0, 0.5), '#ffffff');
  assert.equal(lossColour(0.5, 0.5), '#b2182b');
  assert.equal(lossColour(-0.5, 0.5), '#2166ac');
  // A gain of a hundredth of a percent is still drawn NEGATIVE_FLOOR of the way to blue.
  const tiny = lossRgb(-0.0001, 0.5);
  const floor = lossRgb(-(NEGATIVE_FLOOR ** 2) * 0.5, 0.5);
  assert.deepEqual(tiny, floor);
  assert.ok(tiny[2] > tiny[0] + 40, `a tiny gain must read blue: ${tiny.join(',')}`);
  // While a loss of the same size is barely tinted.
  const smallLoss = lossRgb(0.0001, 0.5);
  assert.ok(smallLoss[0] >= 250 && smallLoss[1] >= 240);
  // Beyond the scale the colour saturates.
  assert.equal(lossColour(3, 0.5), lossColour(0.5, 0.5));
});

it('keeps the plot picture in its colours: the core draws with the same function and the light palette', () => {
  for (const loss of [-0.3, -0.001, 0, 0.004, 0.02, 0.4]) assert.equal(plotColour(loss, 0.4), lossColour(loss, 0.4, LIGHT_PALETTE));
});

it("starts from the editor's background and picks end colours per theme kind", () => {
  assert.equal(themeKindOf('vscode-body vscode-dark'), 'dark');
  assert.equal(themeKindOf('vscode-high-contrast'), 'high-contrast');
  assert.equal(themeKindOf('vscode-high-contrast vscode-high-contrast-light'), 'high-contrast-light');
  assert.equal(themeKindOf(''), 'light');
  const dark = paletteFor('dark', [31, 31, 31]);
  assert.equal(lossColour(0, 0.1, dark), '#1f1f1f');
  assert.notEqual(lossColour(-0.001, 0.1, dark), '#1f1f1f');
  assert.deepEqual(parseCssColour('#1e1e1e'), [30, 30, 30]);
  assert.deepEqual(parseCssColour('#fff'), [255, 255, 255]);
  assert.deepEqual(parseCssColour(' #FFFFFF80 '), [255, 255, 255]);
  assert.deepEqual(parseCssColour('rgb(12, 34, 56)'), [12, 34, 56]);
  assert.deepEqual(parseCssColour('rgba(12 34 56 / 50%)'), [12, 34, 56]);
  assert.equal(parseCssColour('var(--x)'), undefined);
  assert.equal(parseCssColour(''), undefined);
});

it('writes every cell in black or white, whichever reads better, in all four theme kinds', () => {
  const kinds: ThemeKind[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
  for (const kind of kinds) {
    const palette = paletteFor(kind);
    for (let loss = -0.2; loss <= 0.2; loss += 0.005) {
      const { fill, ink } = cellColours(loss, 0.2, palette);
      const ratio = contrastRatio(parseCssColour(fill) ?? [0, 0, 0], parseCssColour(ink) ?? [0, 0, 0]);
      assert.ok(ratio >= 4.5, `${kind} at loss ${loss.toFixed(3)}: ${ink} on ${fill} has contrast ${ratio.toFixed(2)}`);
    }
  }
  assert.equal(cellColours(0, 0.2, paletteFor('light')).ink, '#000000');
  assert.equal(cellColours(0, 0.2, paletteFor('dark')).ink, '#ffffff');
});

it('has a legend running from the full gain colour through the background to the full loss colour', () => {
  const stops = legendStops(0.1, LIGHT_PALETTE, 4);
  assert.deepEqual(stops.map((s) => Number(s.loss.toFixed(3))), [-0.075, -0.025, 0.025, 0.075]);
  assert.ok(stops[0]?.fill !== stops[3]?.fill);
});
