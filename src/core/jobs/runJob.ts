/**
 * Runs any job by its spec, in this process: what a worker process does with the request
 * it receives. The CLI calls the same job functions directly (it also wants their typed
 * outcomes, e.g. a plan to print as JSON).
 */
import type { JobResult, JobSpec } from '../../shared/jobs';
import { clusterJob } from './clusterJob';
import type { JobContext } from './context';
import { describeJob } from './describeJob';
import { evaluateJob } from './evaluateJob';
import { mergeJob } from './mergeJob';
import { useBackend } from './open';
import { pruneJob } from './pruneJob';
import { ratiosJob } from './ratiosJob';
import { runSensitivityJob } from './sensitivityJob';
import { trainJob } from './trainJob';

/** Jobs that only read and write files (merging, choosing ratios without measuring them) need no TF.js backend. */
function needsBackend(spec: JobSpec): boolean {
  if (spec.kind === 'merge' || spec.kind === 'cluster') return false;
  if (spec.kind === 'ratios') return spec.measure === true || 'modelLoss' in spec.rule;
  return true;
}

export async function runJob(spec: JobSpec, ctx: JobContext): Promise<JobResult> {
  if (needsBackend(spec)) ctx.events.log(`backend: ${await useBackend(ctx.env)}`);
  switch (spec.kind) {
    case 'sensitivity':
      return runSensitivityJob(spec, ctx);
    case 'merge':
      return mergeJob(spec, ctx);
    case 'ratios':
      return (await ratiosJob(spec, ctx)).result;
    case 'prune':
      return (await pruneJob(spec, ctx)).result;
    case 'train':
      return (await trainJob(spec, ctx)).result;
    case 'evaluate':
      return evaluateJob(spec, ctx);
    case 'cluster':
      return clusterJob(spec, ctx);
    case 'describe': {
      const facts = await describeJob(spec, ctx);
      return { summary: `${facts.name}: ${facts.layers.length} layers, ${facts.totalParams} params, ${facts.totalMacs} MACs`, outputs: [] };
    }
  }
}
