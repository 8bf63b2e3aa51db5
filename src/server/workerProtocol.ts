/**
 * Messages between the job manager and its worker processes (Node IPC, JSON). Internal to
 * the server: the editor sees jobs only through src/shared/protocol.ts.
 */
import type { ShardTask } from '../core/sensitivity/shards';
import type { JobResult, JobSpec } from '../shared/protocol';
import type { PointEvent } from '../shared/results';
import type { ModelFacts } from './modelFacts';

/** Settings a worker runs under, taken from the user's configuration by the server. */
export interface WorkerEnv {
  /** ONNX Runtime execution providers. */
  readonly providers: readonly string[];
  /** ONNX Runtime threads per worker (cores / workers). */
  readonly threads?: number;
  /** Where a user-installed tfjs-node(-gpu) lives. */
  readonly tfjsNodePath?: string;
}
export type { ShardTask };

export type WorkerRequest =
  | { readonly type: 'describe'; readonly model: string }
  | { readonly type: 'job'; readonly spec: JobSpec; readonly shard?: ShardTask; readonly env: WorkerEnv };

export type WorkerReply =
  | { readonly type: 'progress'; readonly stage: string; readonly done: number; readonly total: number; readonly metrics?: Readonly<Record<string, number>> }
  | ({ readonly type: 'point'; readonly file: string } & PointEvent)
  | { readonly type: 'log'; readonly text: string }
  | { readonly type: 'described'; readonly facts: ModelFacts }
  | { readonly type: 'done'; readonly result: JobResult }
  /** `expected`: a problem with the user's input (shown as is), not a crash. */
  | { readonly type: 'failed'; readonly message: string; readonly expected: boolean };

/** What a worker task posts back while it runs. */
export type Post = (reply: WorkerReply) => void;
