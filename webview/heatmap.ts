/**
 * The heatmap: a row per channel group, a column per ratio, each cell coloured by its loss
 * on the shared diverging scale (negative losses in the "gained" colour, never neutral),
 * with the exact value, metric and timing in its tooltip. Skipped cells are hatched,
 * unmeasured ones dashed, unprunable rows grey with the reason. Cells within the threshold
 * are outlined and a marker shows the ratio it picks for each row.
 *
 * While a job runs, cells fill in place as points arrive: the grid is rebuilt only when its
 * rows or columns change, otherwise only the cells are repainted.
 */
import type { LossPalette } from '../src/shared/lossColour';
import { isMeasured } from '../src/shared/results';
import { cellLabel, cellTooltip } from './cellText';
import { cellColours, legendStops } from './colourScale';
import { h, s, tooltip } from './dom';
import { columnPosition, type ReportData } from './reportData';
import type { ReportSnapshot } from './state';

const CELL_W = 50;
const CELL_H = 20;
const HEAD_H = 22;
const GAP = 8;
const LEGEND_H = 46;

interface CellParts {
  readonly rect: SVGRectElement;
  readonly text: SVGTextElement;
  readonly title: SVGTitleElement;
}

interface RowParts {
  readonly group: string;
  readonly g: SVGGElement;
  readonly cells: readonly CellParts[];
  readonly marker: SVGPathElement;
  readonly y: number;
}

function labelWidth(data: ReportData): number {
  const longest = Math.max(8, ...data.rows.map((r) => r.group.length + (r.params.length > 1 ? 4 : 0)));
  return Math.min(280, 16 + longest * 7);
}

/** Rows and columns as text: the grid is rebuilt only when this changes. */
function structureOf(data: ReportData): string {
  return `${data.columns.map((c) => c.key).join(',')}|${data.rows.map((r) => `${r.group}:${r.prunable}`).join(',')}`;
}

export class Heatmap {
  private readonly svgHost: HTMLElement;
  private structure = '';
  private rows: RowParts[] = [];
  private left = 0;

  constructor(
    container: HTMLElement,
    private readonly onSelect: (group: string) => void,
  ) {
    this.svgHost = h('div', { class: 'heatmap-scroll' });
    container.append(this.svgHost);
  }

  /** Results changed (or the theme): rebuild or repaint the cells. */
  render(snap: ReportSnapshot, palette: LossPalette, force = false): void {
    const data = snap.data;
    if (data === undefined) {
      this.svgHost.replaceChildren(h('p', { class: 'empty' }, snap.error ?? 'Waiting for the results...'));
      this.structure = '';
      return;
    }
    const structure = structureOf(data);
    if (force || structure !== this.structure) this.build(data, palette);
    this.structure = structure;
    this.paint(snap, data, palette);
    this.updateRatios(snap);
    this.updateSelection(snap.selected);
  }

  private build(data: ReportData, palette: LossPalette): void {
    this.left = labelWidth(data);
    // Wide enough for the legend's key even with few ratio columns.
    const width = Math.max(this.left + Math.max(1, data.columns.length) * CELL_W + GAP, this.left + 540);
    const gridH = HEAD_H + data.rows.length * CELL_H;
    const svg = s('svg', { class: 'heatmap', width, height: gridH + GAP + LEGEND_H, role: 'grid', 'aria-label': 'Loss by group and pruning ratio' });
    svg.append(
      s('defs', {}, s('pattern', { id: 'skip-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, s('line', { class: 'hatch-line', x1: 0, y1: 0, x2: 0, y2: 6 }))),
    );
    data.columns.forEach((c, j) => {
      svg.append(s('text', { class: 'col-head', x: this.left + j * CELL_W + CELL_W / 2, y: HEAD_H - 7, 'text-anchor': 'middle' }, c.key));
    });
    this.rows = data.rows.map((row, i) => {
      const y = HEAD_H + i * CELL_H;
      const g = s('g', { class: 'heat-row', 'data-group': row.group, role: 'row' });
      g.addEventListener('click', () => this.onSelect(row.group));
      const label = row.params.length > 1 ? `${row.group} +${row.params.length - 1}` : row.group;
      g.append(
        s('rect', { class: 'row-band', x: 0, y, width, height: CELL_H }),
        s('text', { class: 'row-label', x: this.left - 6, y: y + 14, 'text-anchor': 'end' }, label, tooltip(`${row.params.join(', ')}\n${row.channels} channels`)),
      );
      let cells: CellParts[] = [];
      if (!row.prunable) {
        const text = `not prunable${row.reason ? `: ${row.reason}` : ''}`;
        g.append(
          s('rect', { class: 'unprunable', x: this.left, y: y + 1, width: Math.max(1, data.columns.length) * CELL_W - 1, height: CELL_H - 2 }, tooltip(`${row.group}: ${text}`)),
          s('text', { class: 'cell-note', x: this.left + 6, y: y + 14 }, text),
        );
      } else {
        cells = data.columns.map((_, j) => {
          const title = tooltip('');
          const rect = s('rect', { x: this.left + j * CELL_W + 1, y: y + 1, width: CELL_W - 2, height: CELL_H - 2, role: 'gridcell' }, title);
          const text = s('text', { class: 'cell-value', x: this.left + j * CELL_W + CELL_W / 2, y: y + 14, 'text-anchor': 'middle' });
          g.append(rect, text);
          return { rect, text, title };
        });
      }
      const marker = s('path', { class: 'chosen' });
      g.append(marker);
      svg.append(g);
      return { group: row.group, g, cells, marker, y };
    });
    svg.append(this.legend(data, palette, gridH + GAP));
    this.svgHost.replaceChildren(svg);
  }

  private legend(data: ReportData, palette: LossPalette, top: number): SVGGElement {
    const g = s('g', { class: 'legend' });
    const width = 240;
    const stops = legendStops(data.lossScale, palette);
    stops.forEach((stop, i) => g.append(s('rect', { x: this.left + (i * width) / stops.length, y: top, width: width / stops.length + 0.5, height: 10, fill: stop.fill })));
    const tick = (x: number, text: string, anchor: string): SVGTextElement => s('text', { class: 'tick', x, y: top + 24, 'text-anchor': anchor }, text);
    const pct = `${(100 * data.lossScale).toFixed(1)}%`;
    g.append(tick(this.left, `-${pct} (gained)`, 'start'), tick(this.left + width / 2, '0', 'middle'), tick(this.left + width, `${pct} (lost)`, 'end'));
    const keyX = this.left + width + 24;
    g.append(
      s('rect', { class: 'skipped', x: keyX, y: top, width: 18, height: 12 }),
      s('text', { class: 'tick', x: keyX + 24, y: top + 10 }, 'skipped'),
      s('rect', { class: 'missing', x: keyX + 90, y: top, width: 18, height: 12 }),
      s('text', { class: 'tick', x: keyX + 114, y: top + 10 }, 'not measured'),
      s('rect', { class: 'cell passes', x: keyX, y: top + 18, width: 18, height: 12, fill: 'none' }),
      s('text', { class: 'tick', x: keyX + 24, y: top + 28 }, 'within the threshold'),
      s('path', { class: 'chosen', d: `M${keyX + 150},${top + 17} v5 M${keyX + 150},${top + 31} v-5` }),
      s('text', { class: 'tick', x: keyX + 160, y: top + 28 }, 'the ratio chosen'),
    );
    return g;
  }

  private paint(snap: ReportSnapshot, data: ReportData, palette: LossPalette): void {
    data.rows.forEach((row, i) => {
      const parts = this.rows[i];
      if (parts === undefined) return;
      data.columns.forEach((column, j) => {
        const cell = parts.cells[j];
        if (cell === undefined) return;
        const point = row.cells[j];
        cell.title.textContent = cellTooltip(row, column, point, data.results.metadata);
        cell.text.textContent = cellLabel(point);
        const fresh = snap.fresh?.group === row.group && snap.fresh.key === column.key;
        if (point === undefined) {
          cell.rect.setAttribute('class', 'missing');
          cell.rect.style.removeProperty('fill');
          cell.text.style.removeProperty('fill');
        } else if (!isMeasured(point)) {
          cell.rect.setAttribute('class', 'skipped');
          cell.rect.style.removeProperty('fill');
          cell.text.style.removeProperty('fill');
        } else {
          // Set as style properties: they must win over the stylesheet's theme colours.
          const colours = cellColours(point.loss, data.lossScale, palette);
          cell.rect.setAttribute('class', `cell${point.loss < 0 ? ' gained' : ''}${fresh ? ' fresh' : ''}`);
          cell.rect.style.fill = colours.fill;
          cell.text.style.fill = colours.ink;
        }
      });
    });
  }

  /** The threshold moved: outline the cells within it and move each row's chosen-ratio marker. */
  updateRatios(snap: ReportSnapshot): void {
    const data = snap.data;
    const computed = snap.computed;
    if (data === undefined || computed === undefined) return;
    const threshold = computed.file.loss;
    data.rows.forEach((row, i) => {
      const parts = this.rows[i];
      if (parts === undefined) return;
      row.cells.forEach((point, j) => {
        const rect = parts.cells[j]?.rect;
        if (rect === undefined || point === undefined || !isMeasured(point)) return;
        rect.classList.toggle('passes', point.loss <= threshold);
      });
      const ratio = computed.groupRatios[row.group];
      if (ratio === undefined || !row.prunable) {
        parts.marker.setAttribute('visibility', 'hidden');
        return;
      }
      // Two ticks at the row's top and bottom edges, so the cell's number stays readable.
      const x = (this.left + (columnPosition(ratio, data.columns) + 0.5) * CELL_W).toFixed(1);
      const y = parts.y;
      parts.marker.setAttribute('d', `M${x},${y} v5 M${x},${y + CELL_H} v-5`);
      parts.marker.setAttribute('visibility', 'visible');
    });
  }

  updateSelection(selected: string | undefined): void {
    for (const row of this.rows) row.g.classList.toggle('selected', row.group === selected);
    const chosen = this.rows.find((r) => r.group === selected);
    chosen?.g.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }
}
