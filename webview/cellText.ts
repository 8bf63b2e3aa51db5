/**
 * The words on and over a heatmap cell: its short label and its tooltip (the exact loss, the
 * metric against the baseline, the channels the ratio removed, and the point's timing).
 *
 * No DOM here: this is unit-tested in Node.
 */
import { describeEstimate, ESTIMATE_MARK, formatLoss, formatPercent, formatRatio } from '../src/shared/format';
import { isMeasured, type ResultsMetadata, type SensitivityPoint } from '../src/shared/results';
import type { ReportColumn, ReportRow } from './reportData';

function groupName(row: ReportRow): string {
  const others = row.params.length - 1;
  return others > 0 ? `${row.group} (+${others} coupled)` : row.group;
}

/**
 * What the cell says: the loss as a percentage (as everywhere: two decimals), `skip`, or
 * nothing. A quick estimate reads "≈2.8%": one decimal, since its interval is wider than a
 * tenth of a point anyway, and "≈-0.23%" would overflow the narrowest cell (44 px); the
 * tooltip has both decimals and the interval.
 */
export function cellLabel(point: SensitivityPoint | undefined): string {
  if (point === undefined) return '';
  if (!isMeasured(point)) return 'skip';
  return point.quick !== undefined ? `${ESTIMATE_MARK}${formatPercent(point.loss, 1)}` : formatLoss(point);
}

export function cellTooltip(row: ReportRow, column: ReportColumn, point: SensitivityPoint | undefined, meta: ResultsMetadata): string {
  const head = `${groupName(row)} at ratio ${formatRatio(column.ratio)}`;
  if (!row.prunable) return `${head}\nnot prunable${row.reason ? `: ${row.reason}` : ''}`;
  if (point === undefined) return `${head}\nnot measured yet`;
  if (!isMeasured(point)) return `${head}\nskipped: ${point.reason}\n${point.finishedAt}`;
  return [
    head,
    `loss ${formatLoss(point)}`,
    ...(point.quick !== undefined ? [`${describeEstimate(point.quick, meta.dataset.count)}; an exact scan replaces it`] : []),
    `${meta.metric} ${formatPercent(point.metric)} against baseline ${formatPercent(meta.baseline)}`,
    `${point.channelsPruned} of ${row.channels} channels pruned`,
    `${point.seconds.toFixed(2)} s, finished ${point.finishedAt}`,
  ].join('\n');
}
