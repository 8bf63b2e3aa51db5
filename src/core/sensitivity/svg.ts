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

function mix(from: readonly number[], to: readonly number[], t: number): string {
  const channel = (i: number): string =>
    Math.round((from[i] ?? 0) + ((to[i] ?? 0) - (from[i] ?? 0)) * t)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

const WHITE = [255, 255, 255];
const RED = [178, 24, 43];
const BLUE = [33, 102, 172];

/**
 * Diverging colour for a loss: white at 0, red for accuracy lost, blue for accuracy gained
 * (a negative loss), so a layer where pruning helped stands out instead of blending in.
 * Intensity grows with the square root of |loss| / `scale`: most interesting losses are a
 * few percent, and a linear scale would leave them all nearly white next to one 90% loss.
 */
export function lossColour(loss: number, scale: number): string {
  return mix(WHITE, loss < 0 ? BLUE : RED, intensity(loss, scale));
}

/** Least intensity of a negative loss: even -0.1% must read as blue, not as white. */
const NEGATIVE_FLOOR = 0.3;

function intensity(loss: number, scale: number): number {
  const t = Math.min(1, Math.sqrt(Math.abs(loss) / (scale > 0 ? scale : 1)));
  return loss < 0 ? Math.max(NEGATIVE_FLOOR, t) : t;
}

/** Whether text on `colour` (as lossColour gives it) should be white rather than black. */
export function needsLightText(loss: number, scale: number): boolean {
  return intensity(loss, scale) > 0.6;
}

/** Rough width of `text` in the plots' 11px sans-serif font, for layout without a browser. */
export function textWidth(text: string, fontSize = 11): number {
  return text.length * fontSize * 0.6;
}
