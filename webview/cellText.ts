/**
 * The words on and over a heatmap cell: its short label and its tooltip (the exact loss, the
 * metric against the baseline, the channels the ratio removed, and the point's timing).
 *
 * No DOM here: this is unit-tested in Node.
 */
import { isMeasured, type ResultsMetadata, type SensitivityPoint } from '../src/shared/results';
import type { ReportColumn, ReportRow } from './reportData';

function groupName(row: ReportRow): string {
  const others = row.params.length - 1;
  return others > 0 ? `${row.group} (+${others} coupled)` : row.group;
}

/** What the cell says: the loss as a percentage, `skip`, or nothing. */
export function cellLabel(point: SensitivityPoint | undefined): string {
  if (point === undefined) return '';
  if (!isMeasured(point)) return 'skip';
  const pct = 100 * point.loss;
  // One decimal fits the cell; tiny non-zero losses keep their sign visible.
  return `${Math.abs(pct) < 0.05 && pct !== 0 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

export function cellTooltip(row: ReportRow, column: ReportColumn, point: SensitivityPoint | undefined, meta: ResultsMetadata): string {
  const head = `${groupName(row)} at ratio ${column.key}`;
  if (!row.prunable) return `${head}\nnot prunable${row.reason ? `: ${row.reason}` : ''}`;
  if (point === undefined) return `${head}\nnot measured yet`;
  if (!isMeasured(point)) return `${head}\nskipped: ${point.reason}\n${point.finishedAt}`;
  return [
    head,
    `loss ${point.loss} (${(100 * point.loss).toFixed(3)}%)`,
    `${meta.metric} ${point.metric} against baseline ${meta.baseline}`,
    `${point.channelsPruned} of ${row.channels} channels pruned`,
    `${point.seconds.toFixed(3)} s, finished ${point.finishedAt}`,
  ].join('\n');
}
