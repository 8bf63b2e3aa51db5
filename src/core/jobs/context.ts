/**
 * What a job gets besides its spec: the settings it runs under, where its events go, and the
 * signal that cancels it. The CLI renders the events in a terminal; a worker process posts
 * them to the language server, which turns them into progress, points and log lines.
 */
import type { RunEnv } from '../../shared/jobs';
import type { PointEvent } from '../../shared/results';
import type { ProgressEvent } from '../util/progress';

export interface JobEvents {
  log(line: string): void;
  progress(event: ProgressEvent): void;
  /** A sensitivity point written to `file` (the shard file when the job is one shard). */
  point(event: PointEvent & { readonly file: string }): void;
}

export interface JobContext {
  readonly env: RunEnv;
  readonly events: JobEvents;
  readonly signal?: AbortSignal;
}

/** Events nobody listens to (for jobs called from other jobs or tests). */
export const SILENT: JobEvents = { log: () => undefined, progress: () => undefined, point: () => undefined };
