/**
 * Messages between a process that runs jobs in workers (the language server, or the CLI
 * splitting a scan) and its worker processes: Node IPC, JSON. The editor sees jobs only
 * through src/shared/protocol.ts.
 */
import type { DescribeJobSpec, JobResult, JobSpec, RunEnv } from '../../shared/jobs';
import type { ModelFacts } from '../../shared/modelFacts';
import type { PointEvent } from '../../shared/results';

export type WorkerRequest = { readonly type: 'describe'; readonly spec: DescribeJobSpec; readonly env: RunEnv } | { readonly type: 'job'; readonly spec: JobSpec; readonly env: RunEnv };

export type WorkerReply =
  | { readonly type: 'progress'; readonly stage: string; readonly done: number; readonly total: number; readonly metrics?: Readonly<Record<string, number>> }
  | ({ readonly type: 'point'; readonly file: string } & PointEvent)
  | { readonly type: 'log'; readonly text: string }
  | { readonly type: 'described'; readonly facts: ModelFacts }
  | { readonly type: 'done'; readonly result: JobResult }
  /**
   * `expected`: a problem with the user's input (shown as is); otherwise a bug, whose stack
   * trace is in `detail` for the log.
   */
  | { readonly type: 'failed'; readonly message: string; readonly expected: boolean; readonly detail?: string };

/** What a worker task posts back while it runs. */
export type Post = (reply: WorkerReply) => void;
