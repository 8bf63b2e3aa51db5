/**
 * Small helpers for writing SVG as text: escaping, number formatting, axis ticks and the
 * colour scales of the sensitivity plots. No DOM and no browser: the plots are strings.
 */

/** Text safe inside an element or a double-quoted attribute. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A coordinate with at most two decimals, so files stay small and diff well. */
export function px(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** A loss or ratio as a percentage for labels, e.g. 0.0123 -> "1.2%". */
export function percent(x: number, decimals = 1): string {
  return `${(x * 100).toFixed(decimals)}%`;
}

/** Evenly spaced "nice" tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power) as number;
  const ticks: number[] = [];
  // Rounding each tick to the step's precision keeps 0.30000000000000004 out of the labels.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(digits)));
  return ticks;
}

/** Ten distinguishable line colours; curves beyond ten reuse them with a dash pattern. */
export const CURVE_COLOURS: readonly string[] = [
  '#1f6fb4',
  '#e8711c',
  '#2c9c3a',
  '#c92a2c',
  '#8a5fb8',
  '#7f5246',
  '#d55fb0',
  '#707070',
  '#a9ad1f',
  '#17a9bd',
];

// The loss colour scale is shared with the report webview, so a cell reads the same in both.
export { lossColour, needsLightText } from '../../shared/lossColour';

/** Rough width of `text` in the plots' 11px sans-serif font, for layout without a browser. */
export function textWidth(text: string, fontSize = 11): number {
  return text.length * fontSize * 0.6;
}
