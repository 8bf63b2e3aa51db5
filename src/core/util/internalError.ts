/**
 * What a user sees of a bug in PruneLens (anything thrown that is not a PruneLensError or a
 * cancellation): one line saying it is an internal error, with its message and where its
 * stack trace was kept, so the report can carry it. The trace goes to a log file rather than
 * the terminal, where it would bury the one line that matters.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where to report a bug. */
export const REPORT_BUGS_AT = 'the PruneLens issue tracker';

/** Writes the stack trace to a log file and returns the line to show. */
export function internalErrorReport(err: unknown, logDir = os.tmpdir()): string {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const file = path.join(logDir, `prunelens-internal-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  let kept = `the stack trace is in ${file}`;
  try {
    fs.writeFileSync(file, `${stack}\n`);
  } catch {
    kept = `stack trace: ${stack.replace(/\n\s*/g, ' | ')}`;
  }
  return `internal error: ${message} (a bug in PruneLens; ${kept}; please report it to ${REPORT_BUGS_AT} with that trace)`;
}
