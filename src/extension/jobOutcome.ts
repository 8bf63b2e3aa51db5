/**
 * How a finished job is reported: the line the PruneLens output records for it, and the
 * buttons its message offers (the Sensitivity Report of the results file involved, and
 * the file the job wrote). No `vscode` import, so it is unit-tested in Node.
 */
import * as path from 'node:path';
import type { JobInfo } from '../shared/protocol';

export interface OutcomeAction {
  readonly label: string;
  /** A file to open in the editor. */
  readonly open?: string;
  /** A results file whose Sensitivity Report to show. */
  readonly report?: string;
}

/** One line for the output channel: what the job did, or why it did not. */
export function outcomeLine(info: JobInfo): string {
  switch (info.state) {
    case 'running':
      return `${info.title}: running`;
    case 'succeeded':
      return `${info.title}: finished: ${info.result?.summary ?? 'done'}`;
    case 'cancelled':
      return `${info.title}: cancelled${info.kind === 'sensitivity' ? '; the finished points are kept' : ''}`;
    case 'failed':
      return `${info.title}: failed: ${info.error ?? 'no reason given'}`;
  }
}

/** The results file a job wrote or read its ratios from: the one whose report tells its story. */
function resultsFileOf(info: JobInfo): string | undefined {
  const spec = info.spec;
  switch (spec.kind) {
    case 'sensitivity':
      return spec.file;
    case 'merge':
      return spec.output;
    case 'ratios':
      return spec.file;
    case 'prune':
      return 'results' in spec.ratios ? spec.ratios.results : undefined;
    default:
      return undefined;
  }
}

/** The buttons of a succeeded job's message, most useful first. */
export function outcomeActions(info: JobInfo): OutcomeAction[] {
  if (info.state !== 'succeeded') return [];
  const results = resultsFileOf(info);
  // A scan or a merge wrote the results file itself: its report first, then the JSON.
  if (info.kind === 'sensitivity' || info.kind === 'merge') return results === undefined ? [] : [{ label: 'Show Report', report: results }, { label: 'Open JSON', open: results }];
  const written = info.result?.outputs.find((o) => o.endsWith('.json'));
  return [...(written === undefined ? [] : [{ label: `Open ${path.basename(written)}`, open: written }]), ...(results === undefined ? [] : [{ label: 'Show Report', report: results }])];
}
