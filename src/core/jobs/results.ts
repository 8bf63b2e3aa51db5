/**
 * How a sensitivity job reports what its results file holds, for a terminal, an output
 * channel and a notification alike.
 */
import { formatPercent } from '../../shared/format';
import * as path from 'node:path';
import type { JobResult } from '../../shared/jobs';
import { isMeasured, type SensitivityResults } from '../../shared/results';

/** The job result of a scan whose results are in `file`. */
export function scanResult(results: SensitivityResults, file: string, how = ''): JobResult {
  const details: string[] = [];
  for (const g of Object.values(results.groups)) {
    if (!g.prunable) details.push(`not prunable: ${g.params.join(', ')}: ${g.reason ?? 'no reason given'}`);
  }
  const points = Object.values(results.points).flatMap((t) => Object.values(t));
  const measured = points.filter(isMeasured).length;
  const skipped = points.length - measured;
  const counted = `${measured} points measured${how}${skipped > 0 ? `, ${skipped} skipped by early stop` : ''}`;
  const baseline = `baseline ${results.metadata.metric} ${formatPercent(results.metadata.baseline)}`;
  details.push(`${counted}; ${baseline}; results in ${file}`);
  return {
    summary: `${counted} in ${path.basename(file)} (${baseline})`,
    details,
    outputs: [file],
    metrics: { points: measured, skipped, baseline: results.metadata.baseline },
  };
}
