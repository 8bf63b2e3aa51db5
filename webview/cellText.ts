/**
 * The words on and over a heatmap cell: its short label and its tooltip (the exact loss, the
 * metric against the baseline, the channels the ratio removed, and the point's timing).
 *
 * No DOM here: this is unit-tested in Node.
 */
import { formatPercent, formatRatio } from '../src/shared/format';
import { isMeasured, type ResultsMetadata, type SensitivityPoint } from '../src/shared/results';
import type { ReportColumn, ReportRow } from './reportData';

function groupName(row: ReportRow): string {
  const others = row.params.length - 1;
  return others > 0 ? `${row.group} (+${others} coupled)` : row.group;
}

/** What the cell says: the loss as a percentage (as everywhere: two decimals), `skip`, or nothing. */
export function cellLabel(point: SensitivityPoint | undefined): string {
  if (point === undefined) return '';
  if (!isMeasured(point)) return 'skip';
  return formatPercent(point.loss);
}

export function cellTooltip(row: ReportRow, column: ReportColumn, point: SensitivityPoint | undefined, meta: ResultsMetadata): string {
  const head = `${groupName(row)} at ratio ${formatRatio(column.ratio)}`;
  if (!row.prunable) return `${head}\nnot prunable${row.reason ? `: ${row.reason}` : ''}`;
  if (point === undefined) return `${head}\nnot measured yet`;
  if (!isMeasured(point)) return `${head}\nskipped: ${point.reason}\n${point.finishedAt}`;
  return [
    head,
    `loss ${formatPercent(point.loss)}`,
    `${meta.metric} ${formatPercent(point.metric)} against baseline ${formatPercent(meta.baseline)}`,
    `${point.channelsPruned} of ${row.channels} channels pruned`,
    `${point.seconds.toFixed(2)} s, finished ${point.finishedAt}`,
  ].join('\n');
}
