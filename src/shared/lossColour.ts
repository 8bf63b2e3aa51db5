/**
 * The diverging colour scale for losses, one implementation for the `prunelens plot`
 * picture (src/core/sensitivity/plotHeatmap.ts) and the report webview's heatmap, so a
 * cell reads the same in both. The plot uses the light palette below; the webview passes
 * one that matches the editor's theme.
 *
 * This module has no Node imports: it is bundled into the webview.
 */

export type Rgb = readonly [number, number, number];

/** The colours a loss is drawn between: `neutral` at 0, `lost` and `gained` at full scale. */
export interface LossPalette {
  readonly neutral: Rgb;
  readonly lost: Rgb;
  readonly gained: Rgb;
}

/** White at 0, red for accuracy lost, blue for accuracy gained (the plot's palette). */
export const LIGHT_PALETTE: LossPalette = { neutral: [255, 255, 255], lost: [178, 24, 43], gained: [33, 102, 172] };

/** Least intensity of a negative loss: even -0.1% must read as gained, not as neutral. */
export const NEGATIVE_FLOOR = 0.3;

/**
 * How far from neutral a loss is drawn, in [0, 1]. It grows with the square root of
 * |loss| / `scale`: most interesting losses are a few percent, and a linear scale would
 * leave them all nearly neutral next to one 90% loss. A negative loss (pruning helped) is
 * drawn at least NEGATIVE_FLOOR strong, so it stands out instead of blending in.
 */
export function lossIntensity(loss: number, scale: number): number {
  const t = Math.min(1, Math.sqrt(Math.abs(loss) / (scale > 0 ? scale : 1)));
  return loss < 0 ? Math.max(NEGATIVE_FLOOR, t) : t;
}

export function lossRgb(loss: number, scale: number, palette: LossPalette = LIGHT_PALETTE): Rgb {
  const t = lossIntensity(loss, scale);
  const to = loss < 0 ? palette.gained : palette.lost;
  const channel = (i: 0 | 1 | 2): number => Math.round(palette.neutral[i] + (to[i] - palette.neutral[i]) * t);
  return [channel(0), channel(1), channel(2)];
}

export function rgbHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.max(0, Math.min(255, c)).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour of a loss as `#rrggbb`. */
export function lossColour(loss: number, scale: number, palette: LossPalette = LIGHT_PALETTE): string {
  return rgbHex(lossRgb(loss, scale, palette));
}

/** Whether text on the light palette's colour for `loss` should be white rather than black. */
export function needsLightText(loss: number, scale: number): boolean {
  return lossIntensity(loss, scale) > 0.6;
}
