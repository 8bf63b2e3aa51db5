/**
 * Loss against ratio, one line per prunable group, with the loss budget as a dashed line and
 * the selected group drawn on top with its points (each with a tooltip) and the ratio the
 * budget picks for it. The loss axis is a signed square root, like the heatmap's colour
 * intensity: a 1% budget and a 90% loss then both stay readable on one chart, and negative
 * losses sit visibly below zero.
 *
 * The chart is drawn at the pane's width in pixels (text never scales down), its ticks keep
 * their labels apart, and a legend under it names every line by its colour and dash; a
 * click on a line or a legend entry selects the group.
 */
import { formatPercent, formatRatio } from '../src/shared/format';
import { isMeasured } from '../src/shared/results';
import { labelStart, seriesStyle, spacedTicks, type SeriesStyle } from './chartLayout';
import { h, s, textWidth, tooltip } from './dom';
import type { ReportData, ReportRow } from './reportData';
import type { ReportSnapshot } from './state';

const H = 240;
const MIN_W = 320;
const MAX_W = 760;
const M = { left: 52, right: 16, top: 16, bottom: 34 };
const TICK_PX = 11;
const LOSS_TICKS = [-0.5, -0.2, -0.1, -0.05, -0.02, -0.01, 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

const warp = (loss: number): number => Math.sign(loss) * Math.sqrt(Math.abs(loss));

interface Axes {
  readonly width: number;
  readonly x: (ratio: number) => number;
  readonly y: (loss: number) => number;
  readonly yMin: number;
  readonly yMax: number;
}

function axesFor(data: ReportData, width: number): Axes {
  const maxRatio = Math.max(0.1, ...data.columns.map((c) => c.ratio));
  const xMax = Math.min(1, Math.ceil(maxRatio * 10) / 10);
  const yMin = Math.min(0, data.minLoss);
  const yMax = Math.max(0.01, data.maxLoss);
  const lo = warp(yMin);
  const hi = warp(yMax);
  return {
    width,
    x: (r) => M.left + (r / xMax) * (width - M.left - M.right),
    y: (l) => M.top + ((hi - warp(Math.min(yMax, Math.max(yMin, l)))) / (hi - lo)) * (H - M.top - M.bottom),
    yMin,
    yMax,
  };
}

function measuredPoints(row: ReportRow, data: ReportData): { ratio: number; loss: number }[] {
  return data.columns.flatMap((c, i) => {
    const p = row.cells[i];
    return p !== undefined && isMeasured(p) ? [{ ratio: c.ratio, loss: p.loss }] : [];
  });
}

function styleAttrs(style: SeriesStyle): Record<string, string> {
  return { class: `curve series-${style.colour}`, ...(style.dash !== '' ? { 'stroke-dasharray': style.dash } : {}) };
}

export class Curves {
  private readonly host: HTMLElement;
  private readonly legendHost: HTMLElement;
  private axes: Axes | undefined;
  private threshold: SVGGElement | undefined;
  private top: SVGGElement | undefined;
  private lines = new Map<string, SVGPolylineElement>();
  private entries = new Map<string, HTMLElement>();

  constructor(
    container: HTMLElement,
    private readonly onSelect: (group: string) => void,
  ) {
    this.host = h('div', { class: 'curves-host' });
    this.legendHost = h('div', { class: 'curve-legend', role: 'list', 'aria-label': 'Curves' });
    container.append(this.host, this.legendHost);
  }

  render(snap: ReportSnapshot): void {
    const data = snap.data;
    if (data === undefined) {
      this.host.replaceChildren();
      this.legendHost.replaceChildren();
      return;
    }
    const width = Math.max(MIN_W, Math.min(MAX_W, Math.floor(this.host.clientWidth || MAX_W)));
    const axes = axesFor(data, width);
    this.axes = axes;
    const svg = s('svg', { class: 'curves', width, height: H, viewBox: `0 0 ${width} ${H}`, role: 'img', 'aria-label': 'Loss against pruning ratio per group' });
    svg.append(...this.grid(data, axes));
    this.lines = new Map();
    this.entries = new Map();
    const legend: HTMLElement[] = [];
    data.rows.forEach((row, i) => {
      const pts = measuredPoints(row, data);
      if (!row.prunable || pts.length === 0) return;
      const style = seriesStyle(i);
      const line = s('polyline', { ...styleAttrs(style), points: pts.map((p) => `${axes.x(p.ratio).toFixed(1)},${axes.y(p.loss).toFixed(1)}`).join(' '), 'data-group': row.group }, tooltip(row.group));
      line.addEventListener('click', () => this.onSelect(row.group));
      this.lines.set(row.group, line);
      svg.append(line);
      const entry = h('span', { class: 'key', role: 'listitem', 'data-group': row.group, title: row.params.join(', ') }, s('svg', { class: 'swatch', width: 22, height: 10, 'aria-hidden': 'true' }, s('line', { ...styleAttrs(style), x1: 1, x2: 21, y1: 5, y2: 5 })), row.group);
      entry.addEventListener('click', () => this.onSelect(row.group));
      this.entries.set(row.group, entry);
      legend.push(entry);
    });
    this.threshold = s('g', { class: 'threshold' });
    this.top = s('g', { class: 'selected-curve' });
    svg.append(this.threshold, this.top);
    this.host.replaceChildren(svg);
    this.legendHost.replaceChildren(...legend);
    this.updateRatios(snap);
    this.updateSelection(snap);
  }

  private grid(data: ReportData, axes: Axes): SVGElement[] {
    const parts: SVGElement[] = [];
    const lossTicks = LOSS_TICKS.filter((t) => t >= axes.yMin && t <= axes.yMax).map((t) => ({ value: t, at: axes.y(t), size: TICK_PX }));
    for (const t of spacedTicks(lossTicks, 3, (k) => k.value === 0)) {
      parts.push(s('line', { class: t.value === 0 ? 'axis' : 'gridline', x1: M.left, x2: axes.width - M.right, y1: t.at, y2: t.at }));
      parts.push(s('text', { class: 'tick', x: M.left - 6, y: t.at + 4, 'text-anchor': 'end' }, `${Math.round(t.value * 100)}%`));
    }
    const ratioTicks = data.columns.map((c) => ({ value: formatRatio(c.ratio), at: axes.x(c.ratio), size: textWidth(formatRatio(c.ratio), TICK_PX) }));
    for (const t of spacedTicks(ratioTicks, 6)) {
      parts.push(s('text', { class: 'tick', x: t.at, y: H - M.bottom + 14, 'text-anchor': 'middle' }, t.value));
    }
    const middle = M.top + (H - M.top - M.bottom) / 2;
    parts.push(
      s('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }),
      s('text', { class: 'axis-label', x: (M.left + axes.width - M.right) / 2, y: H - 4, 'text-anchor': 'middle' }, 'pruning ratio'),
      s('text', { class: 'axis-label', x: 12, y: middle, 'text-anchor': 'middle', transform: `rotate(-90 12 ${middle})` }, 'loss (square-root scale)'),
    );
    return parts;
  }

  /** The budget moved: redraw its line and the selected group's chosen ratio. */
  updateRatios(snap: ReportSnapshot): void {
    const axes = this.axes;
    const computed = snap.computed;
    if (axes === undefined || this.threshold === undefined || computed === undefined) return;
    const loss = computed.file.loss;
    const y = axes.y(loss);
    const off = loss > axes.yMax ? ' (above every loss)' : '';
    // Below the line when it runs along the top, so the text stays inside the chart.
    const textY = y - 4 < M.top + 8 ? y + 13 : y - 4;
    this.threshold.replaceChildren(
      s('line', { x1: M.left, x2: axes.width - M.right, y1: y, y2: y }),
      s('text', { x: axes.width - M.right - 4, y: textY, 'text-anchor': 'end' }, `loss budget ${formatPercent(loss)}${off}`),
    );
    this.updateSelection(snap);
  }

  updateSelection(snap: ReportSnapshot): void {
    const axes = this.axes;
    const data = snap.data;
    if (axes === undefined || this.top === undefined || data === undefined) return;
    for (const [group, line] of this.lines) line.classList.toggle('dimmed', snap.selected !== undefined && group !== snap.selected);
    for (const [group, entry] of this.entries) entry.classList.toggle('selected', group === snap.selected);
    const row = data.rows.find((r) => r.group === snap.selected);
    if (row === undefined || !this.lines.has(row.group)) {
      this.top.replaceChildren();
      return;
    }
    const pts = measuredPoints(row, data);
    const parts: SVGElement[] = [s('polyline', { class: 'curve focus', points: pts.map((p) => `${axes.x(p.ratio)},${axes.y(p.loss)}`).join(' ') })];
    for (const p of pts) {
      parts.push(s('circle', { class: 'point', cx: axes.x(p.ratio), cy: axes.y(p.loss), r: 3.5 }, tooltip(`${row.group} at ${formatRatio(p.ratio)}: loss ${formatPercent(p.loss)}`)));
    }
    const chosen = snap.computed?.groupRatios[row.group];
    if (chosen !== undefined) {
      const x = axes.x(chosen);
      const label = `${row.group}: ratio ${formatRatio(chosen)}`;
      const labelX = labelStart(x, textWidth(label, TICK_PX, true), M.left, axes.width - M.right);
      parts.push(
        s('line', { class: 'chosen', x1: x, x2: x, y1: M.top, y2: H - M.bottom }),
        s('text', { class: 'chosen-label', x: labelX, y: M.top + 10 }, label),
      );
    }
    this.top.replaceChildren(...parts);
  }
}
