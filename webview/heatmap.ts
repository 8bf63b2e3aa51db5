/**
 * The heatmap: a row per channel group, a column per ratio, each cell coloured by its loss
 * on the shared diverging scale (negative losses in the "gained" colour, never neutral),
 * with the exact value, metric and timing in its tooltip. Skipped cells are hatched,
 * unmeasured ones dashed, unprunable rows grey with the reason. Cells within the threshold
 * are outlined and a marker shows the ratio it picks for each row.
 *
 * While a job runs, cells fill in place as points arrive: the grid is rebuilt only when its
 * rows or columns change (or the pane's width), otherwise only the cells are repainted. The
 * cells share the pane's width (webview/chartLayout.ts), and the legend below the grid is
 * HTML that wraps, so nothing is cut off in a narrow panel.
 */
import { ESTIMATE_MARK, formatPercent, formatRatio } from '../src/shared/format';
import type { LossPalette } from '../src/shared/lossColour';
import { isMeasured } from '../src/shared/results';
import { cellLabel, cellTooltip } from './cellText';
import { heatmapGeometry } from './chartLayout';
import { cellColours, legendStops } from './colourScale';
import { h, s, textWidth, tooltip } from './dom';
import { columnPosition, type ReportData, type ReportRow } from './reportData';
import type { ReportSnapshot } from './state';

const CELL_H = 20;
const HEAD_H = 22;
/** Font sizes of the row labels and the cells' numbers (styles.css sets the same). */
const LABEL_PX = 11;

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

function rowLabel(row: ReportRow): string {
  return row.params.length > 1 ? `${row.group} +${row.params.length - 1}` : row.group;
}

/** A small SVG for the legend: a swatch drawn as the heatmap draws that kind of cell. */
function swatch(...parts: SVGElement[]): SVGSVGElement {
  return s('svg', { class: 'swatch', width: 18, height: 14, 'aria-hidden': 'true' }, ...parts);
}

function hasEstimates(data: ReportData): boolean {
  return data.rows.some((row) => row.cells.some((p) => p !== undefined && isMeasured(p) && p.quick !== undefined));
}

/** Rows and columns as text: the grid is rebuilt only when this changes. */
function structureOf(data: ReportData): string {
  // The legend is part of the structure: it names the estimate mark while there are estimates.
  return `${data.columns.map((c) => c.key).join(',')}|${data.rows.map((r) => `${r.group}:${r.prunable}`).join(',')}|${hasEstimates(data)}`;
}

export class Heatmap {
  private readonly svgHost: HTMLElement;
  private readonly legendHost: HTMLElement;
  private structure = '';
  private rows: RowParts[] = [];
  private left = 0;
  private cell = 50;

  constructor(
    container: HTMLElement,
    private readonly onSelect: (group: string) => void,
  ) {
    this.svgHost = h('div', { class: 'heatmap-scroll' });
    this.legendHost = h('div', { class: 'heat-legend' });
    container.append(this.svgHost, this.legendHost);
  }

  /** Results changed (or the theme): rebuild or repaint the cells. */
  render(snap: ReportSnapshot, palette: LossPalette, force = false): void {
    const data = snap.data;
    if (data === undefined) {
      this.svgHost.replaceChildren(h('p', { class: 'empty' }, snap.error ?? 'Waiting for the results...'));
      this.legendHost.replaceChildren();
      this.structure = '';
      return;
    }
    const structure = `${structureOf(data)}|${this.svgHost.clientWidth}`;
    if (force || structure !== this.structure) this.build(data, palette);
    this.structure = structure;
    this.paint(snap, data, palette);
    this.updateRatios(snap);
    this.updateSelection(snap.selected);
  }

  private build(data: ReportData, palette: LossPalette): void {
    // Measured in bold: the selected row's label is bold.
    const geometry = heatmapGeometry(this.svgHost.clientWidth, Math.max(0, ...data.rows.map((r) => textWidth(rowLabel(r), LABEL_PX, true))), data.columns.length);
    this.left = geometry.left;
    this.cell = geometry.cell;
    const { width } = geometry;
    const cell = this.cell;
    const svg = s('svg', { class: 'heatmap', width, height: HEAD_H + data.rows.length * CELL_H + 2, role: 'grid', 'aria-label': 'Loss by group and pruning ratio' });
    svg.append(
      s('defs', {}, s('pattern', { id: 'skip-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, s('line', { class: 'hatch-line', x1: 0, y1: 0, x2: 0, y2: 6 }))),
    );
    data.columns.forEach((c, j) => {
      svg.append(s('text', { class: 'col-head', x: this.left + j * cell + cell / 2, y: HEAD_H - 7, 'text-anchor': 'middle' }, formatRatio(c.ratio)));
    });
    this.rows = data.rows.map((row, i) => {
      const y = HEAD_H + i * CELL_H;
      const g = s('g', { class: 'heat-row', 'data-group': row.group, role: 'row' });
      g.addEventListener('click', () => this.onSelect(row.group));
      g.append(
        s('rect', { class: 'row-band', x: 0, y, width, height: CELL_H }),
        s('text', { class: 'row-label', x: this.left - 6, y: y + 14, 'text-anchor': 'end' }, rowLabel(row), tooltip(`${row.params.join(', ')}\n${row.channels} channels`)),
      );
      let cells: CellParts[] = [];
      if (!row.prunable) {
        const text = `not prunable${row.reason ? `: ${row.reason}` : ''}`;
        g.append(
          s('rect', { class: 'unprunable', x: this.left, y: y + 1, width: Math.max(1, data.columns.length) * cell - 1, height: CELL_H - 2 }, tooltip(`${row.group}: ${text}`)),
          s('text', { class: 'cell-note', x: this.left + 6, y: y + 14 }, text),
        );
      } else {
        cells = data.columns.map((_, j) => {
          const title = tooltip('');
          const rect = s('rect', { x: this.left + j * cell + 1, y: y + 1, width: cell - 2, height: CELL_H - 2, role: 'gridcell' }, title);
          const text = s('text', { class: 'cell-value', x: this.left + j * cell + cell / 2, y: y + 14, 'text-anchor': 'middle' });
          g.append(rect, text);
          return { rect, text, title };
        });
      }
      const marker = s('path', { class: 'chosen' });
      g.append(marker);
      svg.append(g);
      return { group: row.group, g, cells, marker, y };
    });
    this.svgHost.replaceChildren(svg);
    this.legendHost.replaceChildren(...this.legend(data, palette));
  }

  /** The colour scale and what the marks mean, as HTML items that wrap to the pane's width. */
  private legend(data: ReportData, palette: LossPalette): HTMLElement[] {
    const bar = h('span', { class: 'scale-bar', 'aria-hidden': 'true' });
    const stops = legendStops(data.lossScale, palette);
    bar.style.backgroundImage = `linear-gradient(to right, ${stops.map((stop) => stop.fill).join(', ')})`;
    const pct = formatPercent(data.lossScale);
    const item = (mark: SVGSVGElement, text: string): HTMLElement => h('span', { class: 'key' }, mark, text);
    return [
      h('span', { class: 'key scale', title: 'Cell colour: the loss; intensity grows with its square root' }, `${pct} gained`, bar, `${pct} lost`),
      item(swatch(s('rect', { class: 'skipped', x: 1, y: 1, width: 16, height: 12 })), 'skipped'),
      item(swatch(s('rect', { class: 'missing', x: 1, y: 1, width: 16, height: 12 })), 'not measured'),
      item(swatch(s('rect', { class: 'passes', x: 1, y: 1, width: 16, height: 12, fill: 'none' })), 'within the budget'),
      item(swatch(s('path', { class: 'chosen', d: 'M9,0 v5 M9,14 v-5' })), 'the ratio chosen'),
      // Only for a file that holds quick estimates: what their mark means.
      ...(hasEstimates(data) ? [h('span', { class: 'key', title: 'Quick mode: the loss estimated from part of the images; the cell\'s tooltip gives the interval' }, `${ESTIMATE_MARK} quick estimate`)] : []),
    ];
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
      const x = (this.left + (columnPosition(ratio, data.columns) + 0.5) * this.cell).toFixed(1);
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
