/**
 * The merge job: PaddleSlim's merge_sensitive over results files (shards, or scans run
 * apart), checked so that files measured on different models or data are not mixed.
 */
import * as path from 'node:path';
import type { JobResult, MergeJobSpec } from '../../shared/jobs';
import { mergeCheckedFiles } from '../sensitivity/shardMerge';
import { writeResults } from '../sensitivity/resultsFile';
import { UsageError } from '../util/errors';
import type { JobContext } from './context';
import { counted } from '../../shared/format';

export async function mergeJob(spec: MergeJobSpec, ctx: JobContext): Promise<JobResult> {
  if (spec.inputs.length === 0) throw new UsageError('nothing to merge: give at least one results file');
  const { results, warnings } = await mergeCheckedFiles(spec.inputs, { force: spec.force ?? false, partial: spec.partial ?? false });
  for (const w of warnings) ctx.events.log(`warning: ${w}`);
  await writeResults(spec.output, results);
  const points = Object.values(results.points).reduce((n, t) => n + Object.keys(t).length, 0);
  const params = Object.keys(results.params).length;
  const files = counted(spec.inputs.length, 'file');
  const warned = warnings.length > 0 ? ` (${counted(warnings.length, 'warning')})` : '';
  return {
    summary: `merged ${files}: ${params} params, ${points} points into ${path.basename(spec.output)}${warned}`,
    details: [`merged ${files}: ${params} params, ${points} points -> ${spec.output}`],
    outputs: [spec.output],
    metrics: { params, points },
  };
}
