/**
 * The ratios job: PaddleSlim's get_ratios_by_loss, or the smallest threshold that removes a
 * share of the FLOPs, from a results file; written as a ratios file when an output is given.
 */
import * as path from 'node:path';
import type { JobResult, RatiosJobSpec } from '../../shared/jobs';
import { formatCount, formatPercent, formatRatio } from '../../shared/format';
import { ratiosBeyondBudget, sensitivitiesOf } from '../../shared/ratios';
import { formatRatiosFile, ratiosFileFor, type CombinedEvaluation, type RatiosFile } from '../../shared/ratiosFile';
import { isMeasured, type SensitivityResults } from '../../shared/results';
import { buildFlopsModel } from '../sensitivity/flopsModel';
import { loadResults } from '../sensitivity/resultsFile';
import { writeFileAtomic } from '../util/atomicWrite';
import { PruneLensError, UsageError } from '../util/errors';
import type { JobContext } from './context';
import { openCombinedEvaluator, type CombinedEvaluator } from './combined';
import { openModel } from './open';
import { checkOutputFile } from './outputs';

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

/**
 * Warnings for ratios PaddleSlim's reading picks past a point over the budget (a
 * non-monotone curve), with what --monotone would choose.
 */
function beyondBudgetWarnings(file: RatiosFile, results: SensitivityResults): string[] {
  if (file.target !== undefined || file.monotone === true) return [];
  return ratiosBeyondBudget(sensitivitiesOf(results), file.ratios, file.loss).map(
    (b) =>
      `warning: ${b.param}: ratio ${formatRatio(b.ratio)} lies beyond ratio ${formatRatio(b.over.ratio)}, whose loss ${formatPercent(b.over.loss)} is over the budget ` +
      `(PaddleSlim's choice on a curve that is not monotone); --monotone chooses ${formatRatio(b.safe)}`,
  );
}

function describe(file: RatiosFile, results: SensitivityResults): string[] {
  const lines: string[] = [];
  const width = Math.max(5, ...Object.keys(file.ratios).map((p) => p.length));
  for (const [param, ratio] of Object.entries(file.ratios)) {
    const group = results.params[param];
    const shared = group !== undefined && group !== param ? `  (group ${group})` : '';
    lines.push(`${param.padEnd(width)}  ${formatRatio(ratio)}${shared}`);
  }
  lines.push(`loss threshold ${formatPercent(file.loss)}${file.monotone === true ? ' (monotone: no ratio past a point over it)' : ''}`);
  if (file.flops) lines.push(`MACs per image ${formatCount(file.flops.before)} -> ${formatCount(file.flops.after)} (-${formatPercent(file.flops.reduction)})`);
  lines.push(...beyondBudgetWarnings(file, results));
  if (file.target && !file.target.reached) {
    lines.push(`warning: the measured ratios cannot remove ${formatPercent(file.target.flopsReduction)} of the FLOPs; these are the largest measured (measure higher ratios to go further)`);
  }
  return lines;
}

/** Evaluations of a whole-model budget's bisection, most of them between the first two. */
const BISECTION_STEPS = 8;

/** Every loss measured in the file: the thresholds between them are where ratios change. */
function measuredLosses(results: SensitivityResults): number[] {
  return Object.values(results.points).flatMap((t) => Object.values(t).filter(isMeasured).map((p) => p.loss));
}

/**
 * A whole-model budget: the largest per-layer threshold whose combined pruning, measured,
 * loses at most `budget`, found by bisection between 0 and the largest loss in the file.
 * Ratio sets already measured are not measured again.
 */
async function byModelLoss(results: SensitivityResults, file: string, budget: number, evaluator: CombinedEvaluator, ctx: JobContext): Promise<RatiosFile> {
  const losses = measuredLosses(results);
  if (losses.length === 0) throw new UsageError('has no measured points to choose ratios from', file);
  const evaluations: CombinedEvaluation[] = [];
  const seen = new Map<string, CombinedEvaluation>();
  const step = (done: number): void => ctx.events.progress({ stage: 'whole-model budget', done, total: BISECTION_STEPS + 2 });
  const at = async (threshold: number): Promise<{ file: RatiosFile; evaluation: CombinedEvaluation }> => {
    const chosen = ratiosFileFor(results, { loss: threshold }, file);
    const key = JSON.stringify(chosen.ratios);
    let evaluation = seen.get(key);
    if (evaluation === undefined) {
      evaluation = await evaluator.measure(chosen.ratios, threshold);
      seen.set(key, evaluation);
    } else evaluation = { ...evaluation, threshold };
    evaluations.push(evaluation);
    ctx.events.log(`per-layer threshold ${formatPercent(threshold)}: ${evaluator.metric} ${formatPercent(evaluation.metric)}, model loss ${formatPercent(evaluation.loss)}`);
    step(evaluations.length);
    return { file: chosen, evaluation };
  };
  let lo = await at(0);
  let best = lo.evaluation.loss <= budget ? lo : undefined;
  const top = await at(Math.max(0, ...losses));
  if (top.evaluation.loss <= budget) best = top;
  else if (best !== undefined) {
    let hi = top;
    for (let i = 0; i < BISECTION_STEPS; i++) {
      const mid = await at((lo.evaluation.threshold + hi.evaluation.threshold) / 2);
      if (mid.evaluation.loss <= budget) lo = best = mid;
      else hi = mid;
    }
  }
  // Not even the layers that lose nothing alone can be pruned together within the budget.
  // Then nothing is pruned: every ratio 0, the unpruned model's metric, and no MACs removed.
  const unpruned = (): { file: RatiosFile; evaluation: CombinedEvaluation } => {
    const flops = lo.file.flops ? { flops: { before: lo.file.flops.before, after: lo.file.flops.before, reduction: 0 } } : {};
    return { file: { ...lo.file, ...flops, ratios: Object.fromEntries(Object.keys(lo.file.ratios).map((p) => [p, 0])) }, evaluation: { threshold: 0, metric: evaluator.baseline, loss: 0 } };
  };
  const chosen = best ?? unpruned();
  return { ...chosen.file, measured: { metric: evaluator.metric, baseline: evaluator.baseline, chosen: chosen.evaluation, modelLoss: budget, evaluations } };
}

function describeMeasured(file: RatiosFile): string[] {
  const m = file.measured;
  if (m === undefined) return [];
  const combined = `combined: ${m.metric} ${formatPercent(m.chosen.metric)} (unpruned ${formatPercent(m.baseline)}), loss ${formatPercent(m.chosen.loss)}`;
  if (m.modelLoss === undefined) return [`${combined}, measured with every ratio applied at once (the per-layer budget is ${formatPercent(file.loss)})`];
  const evaluations = m.evaluations ?? [];
  if (evaluations.length > 0 && evaluations.every((e) => e.loss > (m.modelLoss as number))) {
    const least = Math.min(...evaluations.map((e) => e.loss));
    return [`no per-layer threshold keeps the pruned model within the whole-model budget of ${formatPercent(m.modelLoss)}: even the layers that lose nothing alone, pruned together, lose ${formatPercent(least)}; nothing is pruned (every ratio 0). Measure smaller ratios, or allow a larger budget.`];
  }
  const within = m.chosen.loss <= m.modelLoss ? 'within' : 'over';
  return [`${combined}: ${within} the whole-model budget of ${formatPercent(m.modelLoss)}, at a per-layer threshold of ${formatPercent(file.loss)} (${m.evaluations?.length ?? 0} evaluations)`];
}

export async function ratiosJob(spec: RatiosJobSpec, ctx: JobContext): Promise<RatiosOutcome> {
  const rule = spec.rule;
  if ('targetFlops' in rule && !(rule.targetFlops > 0 && rule.targetFlops < 1)) {
    throw new UsageError(`the FLOPs target is the share of FLOPs to remove, between 0 and 1; got ${rule.targetFlops}`);
  }
  if ('modelLoss' in rule && !(rule.modelLoss >= 0 && rule.modelLoss < 1)) throw new UsageError(`the whole-model loss budget is a share of the metric between 0 and 1; got ${rule.modelLoss}`);
  if (spec.output !== undefined) await checkOutputFile(spec.output, 'ratios', { overwrite: spec.overwrite === true });
  let results = await loadResults(spec.file);
  if ('targetFlops' in rule) results = await withFlopsModel(results, spec);
  const measure = spec.measure === true || 'modelLoss' in rule;
  const evaluator = measure ? await openCombinedEvaluator(results, spec.file, { ...(spec.model !== undefined ? { model: spec.model } : {}), ...(spec.force ? { force: true } : {}) }, ctx) : undefined;
  let file: RatiosFile;
  try {
    if ('modelLoss' in rule) file = await byModelLoss(results, spec.file, rule.modelLoss, evaluator as CombinedEvaluator, ctx);
    else {
      file = ratiosFileFor(results, rule, spec.file);
      if (evaluator !== undefined) {
        const chosen = await evaluator.measure(file.ratios, file.loss);
        file = { ...file, measured: { metric: evaluator.metric, baseline: evaluator.baseline, chosen } };
      }
    }
  } finally {
    evaluator?.release();
  }
  if (spec.output !== undefined) await writeFileAtomic(spec.output, formatRatiosFile(file));
  const count = Object.keys(file.ratios).length;
  const flops = file.flops ? `, FLOPs -${formatPercent(file.flops.reduction)}` : '';
  const unreached = file.target && !file.target.reached ? ' (target not reached: measure higher ratios)' : '';
  const combined = file.measured ? `, combined loss ${formatPercent(file.measured.chosen.loss)}` : '';
  const where = spec.output === undefined ? '' : ` -> ${path.basename(spec.output)}`;
  const result: JobResult = {
    summary: `ratios for ${count} params at loss ${formatPercent(file.loss)}${flops}${combined}${unreached}${where}`,
    details: [...describe(file, results), ...describeMeasured(file), ...(spec.output !== undefined ? [`wrote ${spec.output}`] : [])],
    outputs: spec.output === undefined ? [] : [spec.output],
    metrics: {
      loss: file.loss,
      ...(file.flops ? { flopsReduction: file.flops.reduction } : {}),
      ...(file.measured ? { combinedMetric: file.measured.chosen.metric, combinedLoss: file.measured.chosen.loss, baseline: file.measured.baseline } : {}),
      ...(file.measured?.evaluations ? { evaluations: file.measured.evaluations.length } : {}),
    },
  };
  return { result, file };
}
