/**
 * One worker's part of a job, seen through to its end: start the process, pass on what it
 * posts, and start it again if it dies without saying why (killed by the system, out of
 * memory). The restarted worker reruns the same request, which resumes from the files it
 * writes. A worker that fails with a message, or is stopped on purpose, is not restarted.
 */
import type { JobResult } from '../../shared/jobs';
import { startWorker, type WorkerHandle, type WorkerLauncher } from './workerProcess';
import { REPORT_BUGS_AT } from '../util/internalError';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

export class JobFailedError extends Error {}
export class JobCancelledError extends Error {}

export interface WorkerRunHooks {
  readonly launcher: WorkerLauncher;
  /** Restarts allowed, shared by all the job's workers (a counter the job owns). */
  readonly restarts: { count: number; readonly max: number };
  readonly cancelled: () => boolean;
  readonly onReply: (reply: WorkerReply) => void;
  readonly onStart: (worker: WorkerHandle, isRestart: boolean) => void;
  readonly onExit: (worker: WorkerHandle) => void;
  readonly log: (line: string) => void;
}

/** The error a failed worker's job ends with; a bug's stack trace goes to the log, not the user. */
function failure(reply: Extract<WorkerReply, { type: 'failed' }>, hooks: WorkerRunHooks): JobFailedError {
  if (reply.expected) return new JobFailedError(reply.message);
  hooks.log(`internal error in a worker process:\n${reply.detail ?? reply.message}`);
  return new JobFailedError(`internal error: ${reply.message} (a bug in PruneLens; the stack trace is in the log; please report it to ${REPORT_BUGS_AT} with that trace)`);
}

export async function runWorker(request: WorkerRequest, hooks: WorkerRunHooks): Promise<JobResult> {
  for (let attempt = 0; ; attempt++) {
    if (hooks.cancelled()) throw new JobCancelledError('cancelled');
    const worker = startWorker(hooks.launcher, request, hooks.onReply, hooks.log);
    hooks.onStart(worker, attempt > 0);
    const exit = await worker.exited;
    hooks.onExit(worker);
    if (exit.final?.type === 'done') return exit.final.result;
    if (exit.final?.type === 'failed') throw failure(exit.final, hooks);
    if (hooks.cancelled()) throw new JobCancelledError('cancelled');
    const how = exit.signal !== null ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    if (hooks.restarts.count >= hooks.restarts.max) throw new JobFailedError(`the worker process ${how} ${hooks.restarts.count + 1} times; giving up`);
    hooks.restarts.count++;
    hooks.log(`worker ${worker.pid} ${how}; starting it again to resume (${hooks.restarts.count} of ${hooks.restarts.max})`);
  }
}
