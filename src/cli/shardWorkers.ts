/**
 * `prunelens sensitivity --workers N`: the core's split scan (src/core/jobs/shardedScan.ts)
 * with worker processes started from the CLI, the same worker entry the language server
 * forks. Each worker's lines and points are printed with its shard's label.
 */
import type { ShardRunner } from '../core/jobs/shardedScan';
import { defaultWorkerLauncher } from '../core/jobs/workerLauncher';
import type { WorkerHandle } from '../core/jobs/workerProcess';
import { runWorker } from '../core/jobs/workerRun';
import type { SensitivityJobSpec } from '../shared/jobs';
import type { CliContext } from './context';
import { describePoint } from './jobEvents';

/** Restarts allowed for a worker that dies without saying why (killed by the system, out of memory). */
const MAX_RESTARTS = 2;

export function cliShardRunner(ctx: CliContext, metric: string): ShardRunner {
  const launcher = defaultWorkerLauncher();
  const workers = new Set<WorkerHandle>();
  const restarts = { count: 0, max: MAX_RESTARTS };
  let stopping = false;
  return {
    run(spec: SensitivityJobSpec, env, pointWritten) {
      const label = `[${spec.shard?.index ?? 1}/${spec.shard?.count ?? 1}]`;
      return runWorker(
        { type: 'job', spec, env },
        {
          launcher,
          restarts,
          cancelled: () => stopping || ctx.signal.aborted,
          log: (line) => ctx.log(`${label} ${line}`),
          onStart: (worker) => workers.add(worker),
          onExit: (worker) => workers.delete(worker),
          onReply: (reply) => {
            if (reply.type === 'log') ctx.log(`${label} ${reply.text}`);
            if (reply.type === 'point') {
              ctx.log(`${label} ${describePoint(reply, metric)}`);
              pointWritten();
            }
          },
        },
      );
    },
    async stopAll() {
      stopping = true;
      await Promise.all([...workers].map((w) => w.stop()));
    },
  };
}
