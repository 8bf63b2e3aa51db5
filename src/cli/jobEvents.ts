/**
 * How the CLI shows a job: its log lines and points on stdout, its progress as a bar on
 * stderr, and its result's report at the end. Every command builds a job spec, runs the job
 * (src/core/jobs) with these events, and prints what it returns.
 */
import type { JobContext, JobEvents } from '../core/jobs/context';
import { useBackend } from '../core/jobs/open';
import { formatPercent } from '../shared/format';
import type { JobResult, RunEnv } from '../shared/jobs';
import type { PointEvent } from '../shared/results';
import { isMeasured } from '../shared/results';
import type { CliContext } from './context';
import { progressBar } from './progressBar';

/** One line per sensitivity point, as a scan prints it. */
export function describePoint(e: PointEvent, metric: string): string {
  const members = e.params.length > 1 ? ` (+${e.params.length - 1} coupled)` : '';
  const head = `[${e.done}/${e.total}] ${e.group}${members} @ ${e.ratio}:`;
  if (!isMeasured(e.point)) return `${head} skipped (${e.point.reason})`;
  const p = e.point;
  return `${head} ${metric} ${formatPercent(p.metric)}  loss ${formatPercent(p.loss)}  (${p.channelsPruned} channels, ${p.seconds.toFixed(1)} s)`;
}

export interface CliJob extends JobContext {
  readonly events: JobEvents & { finish(): void };
}

/** The job context of a CLI command: events to the terminal, Ctrl-C as the signal. */
export function cliJob(ctx: CliContext, env: RunEnv, opts: { metric?: string; prefix?: string } = {}): CliJob {
  const bar = progressBar();
  const prefix = opts.prefix ?? '';
  const events = {
    log: (line: string) => ctx.log(`${prefix}${line}`),
    progress: bar,
    point: (e: PointEvent) => ctx.log(`${prefix}${describePoint(e, opts.metric ?? 'top1')}`),
    finish: () => bar.finish(),
  };
  return { env, events, signal: ctx.signal };
}

/** Chooses the TF.js backend the environment asks for and says which one it is. */
export async function startBackend(env: RunEnv, ctx: CliContext): Promise<void> {
  ctx.log(`backend: ${await useBackend(env)}`);
}

/** The job's full report, or its summary when it has none. */
export function printResult(result: JobResult, ctx: CliContext): void {
  const lines = result.details !== undefined && result.details.length > 0 ? result.details : [result.summary];
  for (const line of lines) ctx.log(line);
}
