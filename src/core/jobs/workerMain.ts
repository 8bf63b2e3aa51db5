/**
 * The worker process that runs one job (or describes one model) for the language server or
 * for the CLI splitting a scan: it receives one request over IPC, runs it through the job
 * layer, posts progress, points and the result back, and exits. Keeping TF.js and ONNX
 * Runtime out of the language server is what keeps hover responsive while a scan runs, and
 * makes cancelling a job as simple and as certain as killing its process: results files are
 * written atomically, so a kill at any moment loses at most the point being measured.
 */
import { quietTfjs } from '../backend';
import { CancelledError, PruneLensError } from '../util/errors';
import type { JobContext } from './context';
import { describeJob } from './describeJob';
import { useBackend } from './open';
import { runJob } from './runJob';
import type { Post, WorkerReply, WorkerRequest } from './workerProtocol';

const post: Post = (reply: WorkerReply) => {
  process.send?.(reply);
};

function contextOf(request: WorkerRequest): JobContext {
  return {
    env: request.env,
    events: {
      log: (text) => post({ type: 'log', text }),
      progress: (e) => post({ type: 'progress', stage: e.stage, done: e.done, total: e.total, ...(e.metrics ? { metrics: e.metrics } : {}) }),
      point: (e) => post({ type: 'point', ...e }),
    },
  };
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    const ctx = contextOf(request);
    if (request.type === 'describe') {
      await useBackend(request.env);
      return { type: 'described', facts: await describeJob(request.spec, ctx) };
    }
    return { type: 'done', result: await runJob(request.spec, ctx) };
  } catch (err) {
    const expected = err instanceof PruneLensError || err instanceof CancelledError;
    if (expected) return { type: 'failed', message: err.message, expected };
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    return { type: 'failed', message, expected, detail: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

/** Sends the last reply and exits once it is on its way, so the parent always hears the end. */
function finish(reply: WorkerReply): void {
  if (process.send === undefined) process.exit(reply.type === 'failed' ? 1 : 0);
  process.send(reply, () => process.exit(reply.type === 'failed' ? 1 : 0));
}

// TF.js's banner about tfjs-node would land in the log of every job.
quietTfjs();

// A worker whose parent is gone must not go on writing files nobody watches.
process.on('disconnect', () => process.exit(0));
process.once('message', (request: WorkerRequest) => {
  void handle(request).then(finish);
});
