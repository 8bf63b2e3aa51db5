/**
 * The quick jobs that only read and write files: merging results files and choosing
 * ratios. They run in a worker like the others, so that one code path starts, locks,
 * reports and cancels every job.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { mergeResultFiles } from '../../core/sensitivity/merge';
import { loadResults, writeResults } from '../../core/sensitivity/resultsFile';
import { writeFileAtomic } from '../../core/util/atomicWrite';
import { UsageError } from '../../core/util/errors';
import type { JobResult, MergeJobSpec, RatiosJobSpec } from '../../shared/protocol';
import { ratiosFileFor } from '../../shared/ratiosFile';
import { RESULTS_FORMAT } from '../../shared/results';
import type { Post } from '../workerProtocol';

export async function runMerge(spec: MergeJobSpec, post: Post): Promise<JobResult> {
  if (spec.inputs.length === 0) throw new UsageError('nothing to merge: pick at least one results file');
  const { results, warnings } = await mergeResultFiles(spec.inputs, { force: spec.force ?? false });
  for (const w of warnings) post({ type: 'log', text: `warning: ${w}` });
  await writeResults(spec.output, results);
  const points = Object.values(results.points).reduce((n, t) => n + Object.keys(t).length, 0);
  const warned = warnings.length > 0 ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'}, see the output)` : '';
  return { summary: `merged ${spec.inputs.length} files: ${Object.keys(results.params).length} params, ${points} points into ${path.basename(spec.output)}${warned}`, outputs: [spec.output] };
}

/** Refuses to write ratios over a results file, which a mistyped output path could destroy. */
async function checkNotResults(file: string): Promise<void> {
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let format: unknown;
  try {
    format = (JSON.parse(text) as Record<string, unknown> | null)?.['format'];
  } catch {
    return;
  }
  if (format === RESULTS_FORMAT) throw new UsageError('is a sensitivity results file; choose another file for the ratios', file);
}

export async function runRatios(spec: RatiosJobSpec): Promise<JobResult> {
  await checkNotResults(spec.output);
  const results = await loadResults(spec.file);
  if ('targetFlops' in spec.rule && results.flops === undefined) {
    throw new UsageError('has no FLOPs model (it was written without one), so a FLOPs target cannot be used; choose ratios by loss instead', spec.file);
  }
  const file = ratiosFileFor(results, spec.rule, spec.file);
  await writeFileAtomic(spec.output, `${JSON.stringify(file, null, 2)}\n`);
  const count = Object.keys(file.ratios).length;
  const flops = file.flops ? `, FLOPs -${(100 * file.flops.reduction).toFixed(1)}%` : '';
  const unreached = file.target && !file.target.reached ? ' (target not reached: measure higher ratios)' : '';
  return {
    summary: `ratios for ${count} params at loss ${file.loss.toFixed(4)}${flops}${unreached} -> ${path.basename(spec.output)}`,
    outputs: [spec.output],
    metrics: { loss: file.loss, ...(file.flops ? { flopsReduction: file.flops.reduction } : {}) },
  };
}
