/**
 * Numbers as PruneLens shows them to people, one format for the explorer, hovers, the
 * report and its plots (and the CLI's messages): losses, accuracies and shares as percentages
 * with two decimals ("1.01%"), pruning ratios with two decimals ("0.13"), counts of MACs
 * and weights with three significant digits and a unit ("752k"). Files written for programs
 * (results, ratios, CSV) keep the full numbers.
 *
 * A quick point's loss is an estimate: it is shown with ESTIMATE_MARK and, where there is
 * room, its interval (formatLoss, describeEstimate).
 *
 * This module has no Node imports: it is bundled into the webview.
 */
import type { QuickEstimate } from './results';

/** Decimals of a percentage: 1.01% tells a 1% budget from a 1.5% one, and no more is measured. */
export const PERCENT_DECIMALS = 2;

/** Decimals of a pruning ratio: a hundredth of a layer's channels. */
export const RATIO_DECIMALS_SHOWN = 2;

/** 0.0123 -> "1.23%"; a loss, an accuracy or a share of MACs. */
export function formatPercent(x: number, decimals = PERCENT_DECIMALS): string {
  return `${(100 * x).toFixed(decimals)}%`;
}

/** 0.12957 -> "0.13". */
export function formatRatio(r: number): string {
  return r.toFixed(RATIO_DECIMALS_SHOWN);
}

/** 1234 -> "1.23k", 31021952 -> "31.0M": three significant digits, enough to compare layers. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (abs >= size) return `${(n / size).toPrecision(3)}${unit}`;
  return String(Math.round(n));
}

/** What a quick estimate is marked with wherever a loss is shown: ≈ before the number. */
export const ESTIMATE_MARK = '≈';

/** A point's loss as shown everywhere: "1.23%", or "≈1.23%" for a quick estimate. */
export function formatLoss(point: { readonly loss: number; readonly quick?: QuickEstimate }): string {
  return `${point.quick !== undefined ? ESTIMATE_MARK : ''}${formatPercent(point.loss)}`;
}

/** A quick estimate's interval, "0.40% to 2.10%". */
export function formatInterval(quick: QuickEstimate): string {
  return `${formatPercent(quick.interval[0])} to ${formatPercent(quick.interval[1])}`;
}

/**
 * How a quick point was estimated, in one line: "quick estimate: 95% interval 0.40% to
 * 2.10%, from 2048 of 10000 images" (`of` is the dataset's count, when known).
 */
export function describeEstimate(quick: QuickEstimate, of?: number): string {
  const images = of === undefined ? `${quick.images} images` : `${quick.images} of ${of} images`;
  return `quick estimate: ${formatPercent(quick.confidence, 0)} interval ${formatInterval(quick)}, from ${images}`;
}

/**
 * The first `max` items joined by `separator`, then how many more: "a; b; and 3 more" with
 * "; ", "a, b and 3 more" with ", ". For messages that name what they refuse.
 */
export function listed(items: readonly string[], max: number, separator: '; ' | ', ' = '; '): string {
  const shown = items.slice(0, max).join(separator);
  if (items.length <= max) return shown;
  return `${shown}${separator === '; ' ? '; ' : ' '}and ${items.length - max} more`;
}

/** 1, "param" -> "1 param"; 3, "param" -> "3 params": a count with its noun, for messages. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
