/**
 * Sizes and spacing of the report's charts, computed from the room the panel gives them, so
 * that at the editor's default size every ratio column, label and tick is shown whole: the
 * heatmap's cell width, which axis ticks keep their labels apart, and the line style of each
 * curve (colour and dash, so that a dozen groups stay distinguishable).
 *
 * No DOM here: the views measure the page and this is unit-tested in Node.
 */

export const MIN_CELL_WIDTH = 44;
export const MAX_CELL_WIDTH = 60;

export interface HeatmapGeometry {
  /** Width of the row labels' column, text right-aligned at its edge. */
  readonly left: number;
  readonly cell: number;
  readonly width: number;
}

/**
 * Cells share what the labels leave of `available`, within [MIN_CELL_WIDTH, MAX_CELL_WIDTH]:
 * wide enough for "-12.34%" in the cells' 10 px font, narrow enough that nine ratios fit beside the layer tree.
 */
export function heatmapGeometry(available: number, labelWidth: number, columns: number): HeatmapGeometry {
  const left = Math.ceil(labelWidth) + 10;
  const n = Math.max(1, columns);
  const cell = Math.max(MIN_CELL_WIDTH, Math.min(MAX_CELL_WIDTH, Math.floor((available - left - 2) / n)));
  return { left, cell, width: left + n * cell + 2 };
}

export interface Tick<T> {
  readonly value: T;
  /** Where the tick's label is centred, in pixels along its axis. */
  readonly at: number;
  /** The label's extent along the axis (its width on an x axis, its height on a y axis). */
  readonly size: number;
}

/**
 * The ticks whose labels do not collide: `keep` first (the axis' zero), then the others in
 * the order given, each only if its label stays `gap` pixels clear of every label kept.
 */
export function spacedTicks<T>(ticks: readonly Tick<T>[], gap: number, keep?: (t: Tick<T>) => boolean): Tick<T>[] {
  const kept: Tick<T>[] = [];
  const clear = (t: Tick<T>): boolean => kept.every((k) => Math.abs(k.at - t.at) >= (k.size + t.size) / 2 + gap);
  for (const t of ticks) if (keep?.(t) && clear(t)) kept.push(t);
  for (const t of ticks) if (!kept.includes(t) && clear(t)) kept.push(t);
  return kept.sort((a, b) => a.at - b.at);
}

/**
 * Where a label `width` wide starts beside a marker at `x`, within [min, max]: to its right
 * if it fits, else to its left, else as far right as it fits.
 */
export function labelStart(x: number, width: number, min: number, max: number): number {
  if (x + 4 + width <= max) return x + 4;
  if (x - 4 - width >= min) return x - 4 - width;
  return Math.max(min, max - width);
}

/** Series colours from the theme (charts.*), so they suit light, dark and high-contrast alike. */
export const SERIES_COLOURS = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'] as const;
/** Dash patterns, combined with the colours: 18 distinct line styles before one repeats. */
export const SERIES_DASHES = ['', '7 3', '2 2.5'] as const;

export interface SeriesStyle {
  readonly colour: (typeof SERIES_COLOURS)[number];
  readonly dash: (typeof SERIES_DASHES)[number];
}

/** The line style of the i-th curve: all colours solid first, then dashed, then dotted. */
export function seriesStyle(i: number): SeriesStyle {
  const colour = SERIES_COLOURS[i % SERIES_COLOURS.length] as SeriesStyle['colour'];
  const dash = SERIES_DASHES[Math.floor(i / SERIES_COLOURS.length) % SERIES_DASHES.length] as SeriesStyle['dash'];
  return { colour, dash };
}
