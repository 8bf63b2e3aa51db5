/**
 * The loss-curve panel of the sensitivity plot: x is the pruning ratio, y the loss, one line
 * per channel group, and the loss threshold as a dashed line, so the ratio each layer can take
 * is where its curve crosses the threshold. Negative losses plot below the zero line.
 */
import { rowLabel, type PlotRow } from './plotData';
import { CURVE_COLOURS, esc, niceTicks, percent, px, textWidth } from './svg';

export interface Panel {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

const PLOT_W = 560;
const PLOT_H = 300;
const LEFT = 64;
const TOP = 34;
const LEGEND_GAP = 24;
const LEGEND_ROW = 16;

function yRange(rows: readonly PlotRow[], threshold: number): [number, number] {
  const losses = rows.flatMap((r) => r.cells.flatMap((c) => (c.loss === undefined ? [] : [c.loss])));
  let lo = Math.min(0, threshold, ...losses);
  let hi = Math.max(0, threshold, ...losses);
  if (hi - lo < 1e-9) hi = lo + 0.01;
  const pad = (hi - lo) * 0.05;
  lo -= lo < 0 ? pad : 0;
  hi += pad;
  return [lo, hi];
}

export function curvesPanel(rows: readonly PlotRow[], threshold: number): Panel {
  const [lo, hi] = yRange(rows, threshold);
  const x = (r: number): number => LEFT + r * PLOT_W;
  const y = (l: number): number => TOP + ((hi - l) / (hi - lo)) * PLOT_H;
  const parts: string[] = [];
  parts.push(`<text class="title" x="${LEFT}" y="20">Loss by pruning ratio (one line per channel group)</text>`);
  parts.push(`<rect class="frame" x="${LEFT}" y="${TOP}" width="${PLOT_W}" height="${PLOT_H}"/>`);
  for (const t of niceTicks(0, 1, 10)) {
    parts.push(`<line class="grid" x1="${px(x(t))}" y1="${TOP}" x2="${px(x(t))}" y2="${TOP + PLOT_H}"/>`);
    parts.push(`<text class="tick" x="${px(x(t))}" y="${TOP + PLOT_H + 14}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(lo, hi, 6)) {
    parts.push(`<line class="grid" x1="${LEFT}" y1="${px(y(t))}" x2="${LEFT + PLOT_W}" y2="${px(y(t))}"/>`);
    parts.push(`<text class="tick" x="${LEFT - 6}" y="${px(y(t) + 4)}" text-anchor="end">${percent(t, 1)}</text>`);
  }
  parts.push(`<text class="axis" x="${LEFT + PLOT_W / 2}" y="${TOP + PLOT_H + 32}" text-anchor="middle">pruning ratio</text>`);
  parts.push(`<text class="axis" transform="translate(14 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">loss (relative drop of the metric)</text>`);
  parts.push(`<line class="zero" x1="${LEFT}" y1="${px(y(0))}" x2="${LEFT + PLOT_W}" y2="${px(y(0))}"/>`);
  parts.push(`<line class="threshold" x1="${LEFT}" y1="${px(y(threshold))}" x2="${LEFT + PLOT_W}" y2="${px(y(threshold))}"><title>loss threshold ${threshold}</title></line>`);
  parts.push(`<text class="threshold-label" x="${LEFT + PLOT_W - 4}" y="${px(y(threshold) - 4)}" text-anchor="end">threshold ${percent(threshold, 2)}</text>`);

  const legendX = LEFT + PLOT_W + LEGEND_GAP;
  rows.forEach((row, i) => {
    const colour = CURVE_COLOURS[i % CURVE_COLOURS.length] ?? '#000';
    // Past ten curves the colours repeat, so the dash pattern tells them apart.
    const dash = Math.floor(i / CURVE_COLOURS.length) % 3;
    const dashAttr = dash === 0 ? '' : ` stroke-dasharray="${dash === 1 ? '6 3' : '2 2'}"`;
    const measured = row.cells.filter((c) => c.loss !== undefined);
    const points = measured.map((c) => `${px(x(c.ratio))},${px(y(c.loss as number))}`).join(' ');
    const tip = measured.map((c) => `${c.key}: ${percent(c.loss as number, 2)}`).join(', ');
    parts.push(`<g class="curve" data-param="${esc(row.param)}" stroke="${colour}" fill="${colour}">`);
    parts.push(`<title>${esc(`${rowLabel(row)}: ${tip || 'no measured points'}`)}</title>`);
    if (measured.length > 0) parts.push(`<polyline points="${points}" fill="none" stroke-width="1.5"${dashAttr}/>`);
    for (const c of measured) parts.push(`<circle cx="${px(x(c.ratio))}" cy="${px(y(c.loss as number))}" r="2.5"/>`);
    parts.push('</g>');
    const ly = TOP + 8 + i * LEGEND_ROW;
    parts.push(`<line x1="${legendX}" y1="${ly}" x2="${legendX + 18}" y2="${ly}" stroke="${colour}" stroke-width="2"${dashAttr}/>`);
    parts.push(`<text class="legend" x="${legendX + 24}" y="${ly + 4}">${esc(rowLabel(row))}</text>`);
  });
  const legendWidth = 24 + Math.max(80, ...rows.map((r) => textWidth(rowLabel(r))));
  return {
    svg: parts.join('\n'),
    width: legendX + legendWidth + 8,
    height: Math.max(TOP + PLOT_H + 44, TOP + 8 + rows.length * LEGEND_ROW + 8),
  };
}
