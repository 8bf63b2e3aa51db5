/**
 * `prunelens plot`: a sensitivity results file as one standalone SVG, written as text (no
 * browser, no canvas): the loss curves on top, the parameter x ratio heatmap below. Every
 * curve is a `<g class="curve" data-param="...">` and every heatmap row a
 * `<g class="heat-row" data-param="...">`, each with a `<title>` tooltip, so the file is
 * both a picture and something a script can read.
 */
import type { SensitivityResults } from '../../shared/results';
import { curvesPanel, type Panel } from './plotCurves';
import { plotData } from './plotData';
import { heatmapPanel } from './plotHeatmap';
import { esc } from './svg';

export type PlotPanels = 'both' | 'curves' | 'heatmap';

export interface PlotOptions {
  /** The loss threshold drawn across the curves and outlined in the heatmap (default 0.01, the seed's). */
  readonly threshold?: number;
  /** Which panels to draw (default both). */
  readonly panels?: PlotPanels;
  /** A heading above the panels, e.g. the model's name. */
  readonly title?: string;
}

const STYLE = `
text { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 11px; fill: #202020; }
.title { font-size: 13px; font-weight: 600; }
.heading { font-size: 15px; font-weight: 600; }
.tick, .axis { fill: #505050; }
.frame { fill: none; stroke: #909090; }
.grid { stroke: #e4e4e4; }
.zero { stroke: #404040; stroke-width: 1; }
.threshold { stroke: #c92a2c; stroke-width: 1.5; stroke-dasharray: 6 4; }
.threshold-label { fill: #c92a2c; }
.cell, .missing, .skipped, .unprunable { stroke: #ffffff; stroke-width: 1; }
.cell.passes { stroke: #202020; stroke-width: 1.5; }
.missing { fill: #ffffff; stroke: #d0d0d0; stroke-dasharray: 2 2; }
.skipped { fill: url(#skip-hatch); }
.unprunable { fill: #d9d9d9; }
.cell-note { fill: #606060; font-style: italic; }
`;

const DEFS = `<defs><pattern id="skip-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eeeeee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b0b0b0" stroke-width="2"/></pattern></defs>`;

/** The line that marks an SVG as a plot PruneLens wrote, which a later plot may replace. */
export const PLOT_MARK = '<metadata>written by prunelens plot</metadata>';

export function sensitivityPlotSvg(results: SensitivityResults, opts: PlotOptions = {}): string {
  const threshold = opts.threshold ?? 0.01;
  const panels = opts.panels ?? 'both';
  const data = plotData(results);
  const title = opts.title ?? `${results.metadata.model.name}: sensitivity (${results.metadata.metric}, baseline ${results.metadata.baseline.toFixed(4)}, criterion ${results.metadata.criterion})`;
  const drawn: Panel[] = [];
  if (panels !== 'heatmap') drawn.push(curvesPanel(data.rows, threshold));
  if (panels !== 'curves') drawn.push(heatmapPanel(data, threshold));
  const margin = 12;
  let y = 36;
  const body: string[] = [`<text class="heading" x="${margin}" y="22">${esc(title)}</text>`];
  for (const panel of drawn) {
    body.push(`<g transform="translate(${margin} ${y})">`, panel.svg, '</g>');
    y += panel.height + 16;
  }
  const width = Math.ceil(Math.max(400, ...drawn.map((p) => p.width)) + 2 * margin);
  const height = Math.ceil(y);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    PLOT_MARK,
    `<style>${STYLE}</style>`,
    DEFS,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
