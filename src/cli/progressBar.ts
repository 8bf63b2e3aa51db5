/**
 * Draws core progress events as a one-line bar on stderr. On a terminal the line is redrawn
 * in place; in logs (CI, pipes) a line is printed at most every few seconds and at the end,
 * so output stays readable.
 */
import type { ProgressCallback, ProgressEvent } from '../core/util/progress';

const WIDTH = 28;
const LOG_INTERVAL_MS = 5000;

function formatMetrics(metrics: ProgressEvent['metrics']): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(4)}`)
    .join('  ');
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressCallback & { finish(): void } {
  const tty = stream.isTTY === true;
  let lastStage = '';
  let lastLog = 0;
  let started = performance.now();
  let open = false;
  const draw = (e: ProgressEvent): void => {
    if (e.stage !== lastStage) {
      if (open && tty) stream.write('\n');
      lastStage = e.stage;
      started = performance.now();
      lastLog = 0;
    }
    const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const filled = Math.round(frac * WIDTH);
    const secs = (performance.now() - started) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${((secs / frac) * (1 - frac)).toFixed(0)}s` : '';
    const line = `${e.stage} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${e.done}/${e.total || '?'} ${secs.toFixed(1)}s${eta}  ${formatMetrics(e.metrics)}`;
    const finished = e.total > 0 && e.done >= e.total;
    if (tty) {
      stream.write(`\r\x1b[K${line}`);
      open = true;
      if (finished) {
        stream.write('\n');
        open = false;
      }
    } else if (finished || performance.now() - lastLog > LOG_INTERVAL_MS) {
      lastLog = performance.now();
      stream.write(`${line}\n`);
    }
  };
  return Object.assign(draw, {
    finish(): void {
      if (open && tty) stream.write('\n');
      open = false;
    },
  });
}
