/**
 * The heatmap's colours in the editor's theme: the shared diverging loss scale
 * (src/shared/lossColour.ts) drawn from the editor's own background at 0 towards a red for
 * accuracy lost and a blue for accuracy gained, with end colours chosen per theme kind so
 * both stay readable on light, dark and high-contrast backgrounds, and the text on a cell
 * in whichever of black or white contrasts more with it.
 *
 * No DOM here: main.ts reads the theme (body class, CSS variable) and passes it in.
 */
import { lossRgb, rgbHex, type LossPalette, type Rgb } from '../src/shared/lossColour';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** The theme kind from the classes VS Code puts on the webview's body. */
export function themeKindOf(bodyClasses: string): ThemeKind {
  const classes = bodyClasses.split(/\s+/);
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  if (classes.includes('vscode-dark')) return 'dark';
  return 'light';
}

const PALETTES: Readonly<Record<ThemeKind, LossPalette>> = {
  light: { neutral: [255, 255, 255], lost: [178, 24, 43], gained: [33, 102, 172] },
  // Brighter ends on dark backgrounds: the light theme's red and blue sink into them.
  dark: { neutral: [30, 30, 30], lost: [229, 83, 83], gained: [77, 153, 235] },
  'high-contrast': { neutral: [0, 0, 0], lost: [255, 92, 92], gained: [92, 170, 255] },
  'high-contrast-light': { neutral: [255, 255, 255], lost: [165, 0, 20], gained: [0, 64, 170] },
};

/** `#rgb`, `#rrggbb`, `#rrggbbaa` or `rgb(a)(r, g, b[, a])` as RGB; undefined for anything else. */
export function parseCssColour(text: string): Rgb | undefined {
  const t = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(t)?.[1];
  if (hex !== undefined) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex.slice(0, 6);
    return [parseInt(full.slice(0, 2), 16), parseInt(full.slice(2, 4), 16), parseInt(full.slice(4, 6), 16)];
  }
  const rgb = /^rgba?\(\s*(\d+(?:\.\d+)?)\s*[, ]\s*(\d+(?:\.\d+)?)\s*[, ]\s*(\d+(?:\.\d+)?)/.exec(t);
  if (rgb === null) return undefined;
  const channel = (s: string | undefined): number => Math.max(0, Math.min(255, Math.round(Number(s))));
  return [channel(rgb[1]), channel(rgb[2]), channel(rgb[3])];
}

/** The palette for a theme; `background` (the editor's, when it can be read) is the colour of a zero loss. */
export function paletteFor(kind: ThemeKind, background?: Rgb): LossPalette {
  const base = PALETTES[kind];
  return background === undefined ? base : { ...base, neutral: background };
}

/** WCAG relative luminance of an sRGB colour, in [0, 1]. */
export function relativeLuminance(rgb: Rgb): number {
  const linear = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
}

/** WCAG contrast ratio between two colours, from 1 to 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];

export interface CellColours {
  readonly fill: string;
  /** Text on the cell: black or white, whichever contrasts more with `fill`. */
  readonly ink: string;
}

export function cellColours(loss: number, scale: number, palette: LossPalette): CellColours {
  const rgb = lossRgb(loss, scale, palette);
  const ink = contrastRatio(rgb, BLACK) >= contrastRatio(rgb, WHITE) ? BLACK : WHITE;
  return { fill: rgbHex(rgb), ink: rgbHex(ink) };
}

/** `steps` colours from -scale through 0 to +scale, for the legend under the heatmap. */
export function legendStops(scale: number, palette: LossPalette, steps = 24): { loss: number; fill: string }[] {
  return Array.from({ length: steps }, (_, i) => {
    const loss = -scale + (2 * scale * (i + 0.5)) / steps;
    return { loss, fill: rgbHex(lossRgb(loss, scale, palette)) };
  });
}
