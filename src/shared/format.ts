/**
 * Numbers as PruneLens shows them to people, one format for the explorer, hovers, the
 * report and its plots (and the CLI's messages): losses, accuracies and shares as percentages
 * with two decimals ("1.01%"), pruning ratios with two decimals ("0.13"), counts of MACs
 * and weights with three significant digits and a unit ("752k"). Files written for programs
 * (results, ratios, CSV) keep the full numbers.
 *
 * This module has no Node imports: it is bundled into the webview.
 */

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

/** 1, "param" -> "1 param"; 3, "param" -> "3 params": a count with its noun, for messages. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
