/** Numbers as the report shows them: counts with k/M/G, losses and shares as percentages. */

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

/** 0.0123 -> "1.23%". */
export function formatPercent(x: number, decimals = 2): string {
  return `${(100 * x).toFixed(decimals)}%`;
}

/** A ratio with as many decimals as it needs, at most four: 0.3 -> "0.3", 0.21347 -> "0.2135". */
export function formatRatio(r: number): string {
  return String(Math.round(r * 1e4) / 1e4);
}
