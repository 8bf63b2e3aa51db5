/**
 * The merge job: PaddleSlim's merge_sensitive over results files (shards, or scans run
 * apart), checked so that files measured on different models or data are not mixed.
 */
import * as path from 'node:path';
import type { JobResult, MergeJobSpec } from '../../shared/jobs';
import { mergeCheckedFiles } from '../sensitivity/shardMerge';
import { writeResults } from '../sensitivity/resultsFile';
import { UsageError } from '../util/errors';
import { withLock } from '../util/fileLock';
import { lockOptions } from './locking';
import { checkOutputFile } from './outputs';
import type { JobContext } from './context';
import { counted } from '../../shared/format';

export async function mergeJob(spec: MergeJobSpec, ctx: JobContext): Promise<JobResult> {
  if (spec.inputs.length === 0) throw new UsageError('nothing to merge: give at least one results file');
  await checkOutputFile(spec.output, 'results', { inputs: spec.inputs, overwrite: spec.overwrite === true });
  // Read under the output's lock, so that a scan writing the output cannot lose points to the merge.
  const { results, warnings } = await withLock(spec.output, lockOptions(ctx.env, (line) => ctx.events.log(line), ctx.signal), async () => {
    const merged = await mergeCheckedFiles(spec.inputs, { force: spec.force ?? false, partial: spec.partial ?? false });
    await writeResults(spec.output, merged.results);
    return merged;
  });
  for (const w of warnings) ctx.events.log(`warning: ${w}`);
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
