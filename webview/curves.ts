/**
 * Loss against ratio, one line per prunable group, with the threshold as a dashed line and
 * the selected group drawn on top with its points (each with a tooltip) and the ratio the
 * threshold picks for it. The loss axis is a signed square root, like the heatmap's colour
 * intensity: a 1% budget and a 90% loss then both stay readable on one chart, and negative
 * losses sit visibly below zero.
 */
import { isMeasured } from '../src/shared/results';
import { h, s, tooltip } from './dom';
import type { ReportData, ReportRow } from './reportData';
import type { ReportSnapshot } from './state';

const W = 640;
const H = 260;
const M = { left: 52, right: 16, top: 12, bottom: 34 };
/** Series colours from the theme, so they suit light, dark and high-contrast alike. */
const SERIES = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];
const LOSS_TICKS = [-0.5, -0.2, -0.1, -0.05, -0.02, -0.01, 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

const warp = (loss: number): number => Math.sign(loss) * Math.sqrt(Math.abs(loss));

interface Axes {
  readonly x: (ratio: number) => number;
  readonly y: (loss: number) => number;
  readonly yMin: number;
  readonly yMax: number;
}

function axesFor(data: ReportData): Axes {
  const maxRatio = Math.max(0.1, ...data.columns.map((c) => c.ratio));
  const xMax = Math.min(1, Math.ceil(maxRatio * 10) / 10);
  const yMin = Math.min(0, data.minLoss);
  const yMax = Math.max(0.01, data.maxLoss);
  const lo = warp(yMin);
  const hi = warp(yMax);
  return {
    x: (r) => M.left + (r / xMax) * (W - M.left - M.right),
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

export class Curves {
  private readonly host: HTMLElement;
  private axes: Axes | undefined;
  private threshold: SVGGElement | undefined;
  private top: SVGGElement | undefined;
  private lines = new Map<string, SVGPolylineElement>();

  constructor(
    container: HTMLElement,
    private readonly onSelect: (group: string) => void,
  ) {
    this.host = h('div', { class: 'curves-host' });
    container.append(this.host);
  }

  render(snap: ReportSnapshot): void {
    const data = snap.data;
    if (data === undefined) {
      this.host.replaceChildren();
      return;
    }
    const axes = axesFor(data);
    this.axes = axes;
    const svg = s('svg', { class: 'curves', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Loss against pruning ratio per group' });
    svg.append(...this.grid(data, axes));
    this.lines = new Map();
    data.rows.forEach((row, i) => {
      const pts = measuredPoints(row, data);
      if (!row.prunable || pts.length === 0) return;
      const line = s('polyline', {
        class: `curve series-${SERIES[i % SERIES.length]}`,
        points: pts.map((p) => `${axes.x(p.ratio).toFixed(1)},${axes.y(p.loss).toFixed(1)}`).join(' '),
        'data-group': row.group,
      }, tooltip(row.group));
      line.addEventListener('click', () => this.onSelect(row.group));
      this.lines.set(row.group, line);
      svg.append(line);
    });
    this.threshold = s('g', { class: 'threshold' });
    this.top = s('g', { class: 'selected-curve' });
    svg.append(this.threshold, this.top);
    this.host.replaceChildren(svg);
    this.updateRatios(snap);
    this.updateSelection(snap);
  }

  private grid(data: ReportData, axes: Axes): SVGElement[] {
    const parts: SVGElement[] = [];
    for (const t of LOSS_TICKS.filter((t) => t >= axes.yMin && t <= axes.yMax)) {
      const y = axes.y(t);
      parts.push(s('line', { class: t === 0 ? 'axis' : 'gridline', x1: M.left, x2: W - M.right, y1: y, y2: y }));
      parts.push(s('text', { class: 'tick', x: M.left - 6, y: y + 4, 'text-anchor': 'end' }, `${Math.round(t * 100)}%`));
    }
    for (const c of data.columns) {
      parts.push(s('text', { class: 'tick', x: axes.x(c.ratio), y: H - M.bottom + 14, 'text-anchor': 'middle' }, c.key));
    }
    parts.push(
      s('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }),
      s('text', { class: 'axis-label', x: (M.left + W - M.right) / 2, y: H - 4, 'text-anchor': 'middle' }, 'pruning ratio'),
      s('text', { class: 'axis-label', x: 12, y: M.top + (H - M.top - M.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${M.top + (H - M.top - M.bottom) / 2})` }, 'loss (square-root scale)'),
    );
    return parts;
  }

  /** The threshold moved: redraw its line and the selected group's chosen ratio. */
  updateRatios(snap: ReportSnapshot): void {
    const axes = this.axes;
    const computed = snap.computed;
    if (axes === undefined || this.threshold === undefined || computed === undefined) return;
    const loss = computed.file.loss;
    const y = axes.y(loss);
    const off = loss > axes.yMax ? ' (above every loss)' : '';
    this.threshold.replaceChildren(
      s('line', { x1: M.left, x2: W - M.right, y1: y, y2: y }),
      s('text', { x: W - M.right - 4, y: y - 4, 'text-anchor': 'end' }, `threshold ${(100 * loss).toFixed(2)}%${off}`),
    );
    this.updateSelection(snap);
  }

  updateSelection(snap: ReportSnapshot): void {
    const axes = this.axes;
    const data = snap.data;
    if (axes === undefined || this.top === undefined || data === undefined) return;
    for (const [group, line] of this.lines) line.classList.toggle('dimmed', snap.selected !== undefined && group !== snap.selected);
    const row = data.rows.find((r) => r.group === snap.selected);
    if (row === undefined || !this.lines.has(row.group)) {
      this.top.replaceChildren();
      return;
    }
    const pts = measuredPoints(row, data);
    const parts: SVGElement[] = [s('polyline', { class: 'curve focus', points: pts.map((p) => `${axes.x(p.ratio)},${axes.y(p.loss)}`).join(' ') })];
    for (const p of pts) {
      parts.push(s('circle', { class: 'point', cx: axes.x(p.ratio), cy: axes.y(p.loss), r: 3.5 }, tooltip(`${row.group} at ${p.ratio}: loss ${p.loss}`)));
    }
    const chosen = snap.computed?.groupRatios[row.group];
    if (chosen !== undefined) {
      const x = axes.x(chosen);
      parts.push(
        s('line', { class: 'chosen', x1: x, x2: x, y1: M.top, y2: H - M.bottom }),
        s('text', { class: 'chosen-label', x: x + 4, y: M.top + 10 }, `${row.group}: ratio ${chosen.toFixed(3)}`),
      );
    }
    this.top.replaceChildren(...parts);
  }
}
