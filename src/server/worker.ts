/**
 * The worker process the job manager forks for every job (and to describe a model): it
 * receives one request over IPC, runs it through the core, posts progress, points and the
 * result back, and exits. Keeping TF.js and ONNX Runtime out of the language server is
 * what keeps hover responsive while a scan runs, and makes cancelling a job as simple and
 * as certain as killing its process: the core writes results files atomically, so a kill
 * at any moment loses at most the point being measured.
 */
import { quietTfjs } from '../core/backend';
import { CancelledError, PruneLensError } from '../core/util/errors';
import type { JobResult, JobSpec } from '../shared/protocol';
import { useBackend } from './jobs/common';
import { describeModel } from './jobs/describe';
import { runMerge, runRatios } from './jobs/files';
import { runEvaluate, runPrune, runTrain } from './jobs/model';
import { runSensitivity } from './jobs/sensitivity';
import type { Post, ShardTask, WorkerEnv, WorkerReply, WorkerRequest } from './workerProtocol';

const post: Post = (reply: WorkerReply) => {
  process.send?.(reply);
};

async function runJob(spec: JobSpec, shard: ShardTask | undefined, env: WorkerEnv): Promise<JobResult> {
  // File-only jobs need no TF.js backend; the others choose one the way the CLI does.
  if (spec.kind === 'merge') return runMerge(spec, post);
  if (spec.kind === 'ratios') return runRatios(spec);
  post({ type: 'log', text: `backend: ${await useBackend(env)}` });
  switch (spec.kind) {
    case 'sensitivity':
      return runSensitivity(spec, shard, env, post);
    case 'prune':
      return runPrune(spec, post);
    case 'train':
      return runTrain(spec, post);
    case 'evaluate':
      return runEvaluate(spec, env, post);
  }
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  try {
    if (request.type === 'describe') return { type: 'described', facts: await describeModel(request.model, (text) => post({ type: 'log', text })) };
    return { type: 'done', result: await runJob(request.spec, request.shard, request.env) };
  } catch (err) {
    const expected = err instanceof PruneLensError || err instanceof CancelledError;
    const message = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
    return { type: 'failed', message, expected };
  }
}

/** Sends the last reply and exits once it is on its way, so the server always hears the end. */
function finish(reply: WorkerReply): void {
  if (process.send === undefined) process.exit(reply.type === 'failed' ? 1 : 0);
  process.send(reply, () => process.exit(reply.type === 'failed' ? 1 : 0));
}

// TF.js's banner about tfjs-node would land in the server log of every job.
quietTfjs();

// A worker whose server is gone must not go on writing files nobody watches.
process.on('disconnect', () => process.exit(0));
process.once('message', (request: WorkerRequest) => {
  void handle(request).then(finish);
});
