/**
 * What Export writes, built in the webview from what it shows: the ratios file (the very
 * file `prunelens ratios` writes for the same rule, from the recompute) and a CSV of every
 * point. The SVG picture is not built here: the extension asks the server for the
 * `prunelens plot` picture at the current threshold, so there is one SVG renderer.
 *
 * No DOM here: this is unit-tested in Node.
 */
import type { ExportKind } from '../src/shared/webviewMessages';
import { formatRatiosFile } from '../src/shared/ratiosFile';
import { isMeasured } from '../src/shared/results';
import type { Recomputed } from './recompute';
import type { ReportData } from './reportData';

/** `sens.json` -> `sens.ratios.json`, `sens.csv`, `sens.svg`. */
export function exportFileName(resultsName: string, kind: ExportKind): string {
  const stem = resultsName.replace(/\.json$/i, '');
  return kind === 'ratios' ? `${stem}.ratios.json` : `${stem}.${kind}`;
}

export function ratiosExportText(computed: Recomputed): string {
  return formatRatiosFile(computed.file);
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = ['param', 'group', 'channels', 'ratio', 'status', 'loss', 'metric', 'channels_pruned', 'seconds', 'finished_at', 'chosen_ratio'] as const;

/**
 * One line per parameter and ratio column, members of a coupled group each with the group's
 * point, so the file loads straight into a spreadsheet or a data frame. `status` is
 * `measured`, `skipped` (by early stop: no loss), `unprunable` or `unmeasured`;
 * `chosen_ratio` is the parameter's ratio at the threshold on screen.
 */
export function csvExportText(data: ReportData, computed: Recomputed): string {
  const lines = [CSV_HEADER.join(',')];
  for (const row of data.rows) {
    for (const param of row.params) {
      const chosen = computed.file.ratios[param];
      data.columns.forEach((column, i) => {
        const point = row.cells[i];
        const base = [param, row.group, row.channels, column.key];
        let rest: (string | number | undefined)[];
        if (!row.prunable) rest = ['unprunable', undefined, undefined, undefined, undefined, undefined];
        else if (point === undefined) rest = ['unmeasured', undefined, undefined, undefined, undefined, undefined];
        else if (!isMeasured(point)) rest = ['skipped', undefined, undefined, undefined, undefined, point.finishedAt];
        else rest = ['measured', point.loss, point.metric, point.channelsPruned, point.seconds, point.finishedAt];
        lines.push([...base, ...rest, chosen].map(field).join(','));
      });
    }
  }
  return `${lines.join('\n')}\n`;
}
