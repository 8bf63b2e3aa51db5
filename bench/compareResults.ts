/**
 * Two results files of the same scan compared point by point, for the benchmarks'
 * exactness checks: an engine is exact when every point has the same number of correct
 * images as the reference engine's.
 */
import { loadResults } from '../src/core/sensitivity/resultsFile';
import { isMeasured } from '../src/shared/results';

export interface Comparison {
  /** Points measured in both files with the same correct count. */
  readonly same: number;
  /** Points measured in both files. */
  readonly total: number;
  readonly maxLossDiff: number;
  readonly baselines: readonly [number, number];
}

export async function compareFiles(a: string, b: string): Promise<Comparison> {
  const ra = await loadResults(a);
  const rb = await loadResults(b);
  const images = ra.metadata.dataset.count;
  let same = 0;
  let total = 0;
  let maxLossDiff = 0;
  for (const [group, table] of Object.entries(ra.points)) {
    for (const [key, p] of Object.entries(table)) {
      const q = rb.points[group]?.[key];
      if (!isMeasured(p) || q === undefined || !isMeasured(q)) continue;
      total++;
      if (Math.round(p.metric * images) === Math.round(q.metric * images)) same++;
      maxLossDiff = Math.max(maxLossDiff, Math.abs(p.loss - q.loss));
    }
  }
  return { same, total, maxLossDiff, baselines: [ra.metadata.baseline, rb.metadata.baseline] };
}
