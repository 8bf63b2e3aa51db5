/**
 * The ratios job: PaddleSlim's get_ratios_by_loss, or the smallest threshold that removes a
 * share of the FLOPs, from a results file; written as a ratios file when an output is given.
 */
import * as path from 'node:path';
import type { JobResult, RatiosJobSpec } from '../../shared/jobs';
import { ratiosFileFor, type RatiosFile } from '../../shared/ratiosFile';
import type { SensitivityResults } from '../../shared/results';
import { buildFlopsModel } from '../sensitivity/flopsModel';
import { loadResults } from '../sensitivity/resultsFile';
import { writeFileAtomic } from '../util/atomicWrite';
import { PruneLensError, UsageError } from '../util/errors';
import type { JobContext } from './context';
import { openModel } from './open';
import { refuseResultsFile } from './outputs';

export interface RatiosOutcome {
  readonly result: JobResult;
  readonly file: RatiosFile;
}

/** The results with a FLOPs model: the file's own, or one built from the spec's model (which must be the model measured). */
async function withFlopsModel(results: SensitivityResults, spec: RatiosJobSpec): Promise<SensitivityResults> {
  if (results.flops !== undefined) return results;
  if (spec.model === undefined) {
    throw new UsageError('has no FLOPs model (it was written without one), so a FLOPs target needs the model it was measured on (--model MODEL); or choose ratios by loss', spec.file);
  }
  const model = await openModel({ model: spec.model, ...(spec.zoo ? { zoo: spec.zoo } : {}) });
  if (model.fingerprint() !== results.metadata.model.fingerprint && spec.force !== true) {
    throw new PruneLensError('is not the model the results were measured on (fingerprints differ); --force uses it anyway', spec.model);
  }
  return { ...results, flops: buildFlopsModel(model, model.dependencyGraph()) };
}

function describe(file: RatiosFile, results: SensitivityResults): string[] {
  const lines: string[] = [];
  const width = Math.max(5, ...Object.keys(file.ratios).map((p) => p.length));
  for (const [param, ratio] of Object.entries(file.ratios)) {
    const group = results.params[param];
    const shared = group !== undefined && group !== param ? `  (group ${group})` : '';
    lines.push(`${param.padEnd(width)}  ${ratio.toFixed(4)}${shared}`);
  }
  lines.push(`loss threshold ${file.loss}`);
  if (file.flops) lines.push(`MACs per image ${file.flops.before} -> ${file.flops.after} (-${(100 * file.flops.reduction).toFixed(2)}%)`);
  if (file.target && !file.target.reached) {
    lines.push(`warning: the measured ratios cannot remove ${(100 * file.target.flopsReduction).toFixed(1)}% of the FLOPs; these are the largest measured (measure higher ratios to go further)`);
  }
  return lines;
}

export async function ratiosJob(spec: RatiosJobSpec, _ctx: JobContext): Promise<RatiosOutcome> {
  const rule = spec.rule;
  if ('targetFlops' in rule && !(rule.targetFlops > 0 && rule.targetFlops < 1)) {
    throw new UsageError(`the FLOPs target is the share of FLOPs to remove, between 0 and 1; got ${rule.targetFlops}`);
  }
  if (spec.output !== undefined) await refuseResultsFile(spec.output, 'the ratios');
  let results = await loadResults(spec.file);
  if ('targetFlops' in rule) results = await withFlopsModel(results, spec);
  const file = ratiosFileFor(results, rule, spec.file);
  if (spec.output !== undefined) await writeFileAtomic(spec.output, `${JSON.stringify(file, null, 2)}\n`);
  const count = Object.keys(file.ratios).length;
  const flops = file.flops ? `, FLOPs -${(100 * file.flops.reduction).toFixed(1)}%` : '';
  const unreached = file.target && !file.target.reached ? ' (target not reached: measure higher ratios)' : '';
  const where = spec.output === undefined ? '' : ` -> ${path.basename(spec.output)}`;
  const result: JobResult = {
    summary: `ratios for ${count} params at loss ${file.loss.toFixed(4)}${flops}${unreached}${where}`,
    details: [...describe(file, results), ...(spec.output !== undefined ? [`wrote ${spec.output}`] : [])],
    outputs: spec.output === undefined ? [] : [spec.output],
    metrics: { loss: file.loss, ...(file.flops ? { flopsReduction: file.flops.reduction } : {}) },
  };
  return { result, file };
}
