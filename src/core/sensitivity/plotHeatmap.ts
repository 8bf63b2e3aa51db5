/**
 * The heatmap panel of the sensitivity plot: one row per channel group, one column per ratio,
 * each cell coloured by its loss on a diverging scale (red lost, blue gained, white none)
 * and labelled with the number. Cells that hold no number say why: early-stop skips are
 * hatched, unprunable rows are grey with the reason, unmeasured cells are left empty.
 */
import type { Panel } from './plotCurves';
import { rowLabel, type PlotData, type PlotRow } from './plotData';
import { esc, lossColour, needsLightText, percent, px, textWidth } from './svg';

const CELL_W = 52;
const CELL_H = 20;
const TOP = 50;
const SCALE_H = 44;

function lossScale(rows: readonly PlotRow[]): number {
  const losses = rows.flatMap((r) => r.cells.flatMap((c) => (c.loss === undefined ? [] : [Math.abs(c.loss)])));
  return Math.max(0.01, ...losses);
}

function rowCells(row: PlotRow, data: PlotData, left: number, top: number, scale: number, threshold: number): string[] {
  const parts: string[] = [];
  if (!row.prunable) {
    const width = Math.max(1, data.columns.length) * CELL_W;
    parts.push(`<rect class="unprunable" x="${left}" y="${top}" width="${width}" height="${CELL_H}"><title>${esc(`${row.param}: not prunable${row.reason ? `: ${row.reason}` : ''}`)}</title></rect>`);
    parts.push(`<text class="cell-note" x="${left + 6}" y="${top + 14}">${esc(`not prunable${row.reason ? `: ${row.reason}` : ''}`)}</text>`);
    return parts;
  }
  data.columns.forEach((col, j) => {
    const x = left + j * CELL_W;
    const cell = row.cells.find((c) => c.key === col.key);
    if (cell === undefined) {
      parts.push(`<rect class="missing" x="${x}" y="${top}" width="${CELL_W}" height="${CELL_H}"><title>${esc(`${row.param} at ${col.key}: not measured`)}</title></rect>`);
    } else if (cell.loss === undefined) {
      parts.push(`<rect class="skipped" x="${x}" y="${top}" width="${CELL_W}" height="${CELL_H}"><title>${esc(`${row.param} at ${col.key}: skipped (${cell.skipped ?? 'early stop'})`)}</title></rect>`);
      parts.push(`<text class="cell-note" x="${x + CELL_W / 2}" y="${top + 14}" text-anchor="middle">skip</text>`);
    } else {
      const fill = lossColour(cell.loss, scale);
      const passes = cell.loss <= threshold ? ' passes' : '';
      parts.push(`<rect class="cell${passes}" x="${x}" y="${top}" width="${CELL_W}" height="${CELL_H}" fill="${fill}"><title>${esc(`${row.param} at ${col.key}: loss ${cell.loss}`)}</title></rect>`);
      const ink = needsLightText(cell.loss, scale) ? '#ffffff' : '#202020';
      parts.push(`<text class="cell-value" x="${x + CELL_W / 2}" y="${top + 14}" text-anchor="middle" fill="${ink}">${percent(cell.loss, 1)}</text>`);
    }
  });
  return parts;
}

/** The colour key: a gradient from -scale (blue) through 0 (white) to +scale (red). */
function colourKey(left: number, top: number, scale: number): string[] {
  const width = 240;
  const steps = 24;
  const parts = [`<text class="legend" x="${left}" y="${top + 10}">colour: loss (intensity grows with its square root); outlined cells pass the threshold</text>`];
  for (let i = 0; i < steps; i++) {
    const loss = -scale + (2 * scale * (i + 0.5)) / steps;
    parts.push(`<rect x="${px(left + (i * width) / steps)}" y="${top + 16}" width="${px(width / steps + 0.5)}" height="10" fill="${lossColour(loss, scale)}"/>`);
  }
  parts.push(`<text class="tick" x="${left}" y="${top + 38}">${percent(-scale, 1)}</text>`);
  parts.push(`<text class="tick" x="${left + width / 2}" y="${top + 38}" text-anchor="middle">0</text>`);
  parts.push(`<text class="tick" x="${left + width}" y="${top + 38}" text-anchor="end">${percent(scale, 1)}</text>`);
  return parts;
}

export function heatmapPanel(data: PlotData, threshold: number): Panel {
  const labelWidth = 12 + Math.max(60, ...data.rows.map((r) => textWidth(rowLabel(r))));
  const left = labelWidth;
  const scale = lossScale(data.rows);
  const parts = [`<text class="title" x="8" y="20">Loss by channel group and pruning ratio</text>`];
  data.columns.forEach((col, j) => {
    parts.push(`<text class="tick" x="${left + j * CELL_W + CELL_W / 2}" y="${TOP - 8}" text-anchor="middle">${esc(col.key)}</text>`);
  });
  data.rows.forEach((row, i) => {
    const top = TOP + i * CELL_H;
    parts.push(`<g class="heat-row" data-param="${esc(row.param)}">`);
    parts.push(`<text class="row-label" x="${left - 6}" y="${top + 14}" text-anchor="end">${esc(rowLabel(row))}</text>`);
    parts.push(...rowCells(row, data, left, top, scale, threshold));
    parts.push('</g>');
  });
  const bottom = TOP + data.rows.length * CELL_H;
  parts.push(...colourKey(left, bottom + 12, scale));
  return {
    svg: parts.join('\n'),
    width: Math.max(left + Math.max(1, data.columns.length) * CELL_W, left + 480) + 16,
    height: bottom + 12 + SCALE_H,
  };
}
