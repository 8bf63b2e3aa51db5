/**
 * The prune job: ratios from a ratios file, a results file at a loss threshold, or given
 * directly; a plan; the physically pruned model written with its plan, in the format the
 * model came in (a TF.js folder, or an ONNX file with the source's interface); FLOPs before
 * and after.
 */
import * as path from 'node:path';
import type { JobResult, PruneJobSpec, PruneRatiosSpec } from '../../shared/jobs';
import { counted, formatCount, formatPercent, formatRatio } from '../../shared/format';
import { ratiosFileFor, type CombinedMeasurement } from '../../shared/ratiosFile';
import { DEFAULT_CRITERION } from '../../shared/vocabulary';
import {
  checkOutputFolder,
  compareSummaries,
  formatFlopsComparison,
  planPruning,
  readRatiosFile,
  type FlopsComparison,
  type PrunePlan,
  type WrittenPrunedModel,
} from '../pruning';
import { loadResults } from '../sensitivity/resultsFile';
import { UsageError } from '../util/errors';
import { openCombinedEvaluator } from './combined';
import type { JobContext } from './context';
import { openModel, recordedModelPath, requireModel } from './open';
import { writeModelConfig, writtenPreprocessing } from './modelConfigOut';

export interface PruneOutcome {
  readonly result: JobResult;
  readonly plan: PrunePlan;
  readonly flops: FlopsComparison;
  readonly written: WrittenPrunedModel;
}

async function ratiosOf(spec: PruneRatiosSpec): Promise<Record<string, number>> {
  if ('file' in spec) return readRatiosFile(spec.file);
  if ('values' in spec) return { ...spec.values };
  return ratiosFileFor(await loadResults(spec.results), { loss: spec.loss }, spec.results).ratios;
}

/** One line per group the plan prunes. */
export function describePlan(plan: PrunePlan): string[] {
  return plan.groups
    .filter((g) => g.pruned.length > 0)
    .map((g) => {
      const coupled = g.params.length > 1 ? ` (+${g.params.length - 1} coupled: ${g.params.slice(1).join(', ')})` : '';
      return `${g.id}${coupled}: ${g.channels} -> ${g.kept.length} channels at ratio ${formatRatio(g.ratio)}`;
    });
}

/** The pruned model measured beside the unpruned one on the data its results file was measured on. */
async function measurePruned(spec: PruneJobSpec, ratios: Readonly<Record<string, number>>, ctx: JobContext): Promise<CombinedMeasurement> {
  if (!('results' in spec.ratios)) throw new UsageError('measuring the pruned model needs ratios from a results file (it says which data to measure on)');
  const file = spec.ratios.results;
  const evaluator = await openCombinedEvaluator(await loadResults(file), file, { ...(spec.model !== undefined ? { model: spec.model } : {}) }, ctx);
  try {
    return { metric: evaluator.metric, baseline: evaluator.baseline, chosen: await evaluator.measure(ratios, spec.ratios.loss) };
  } finally {
    evaluator.release();
  }
}

export async function pruneJob(spec: PruneJobSpec, ctx: JobContext): Promise<PruneOutcome> {
  // Checked before the work so that a bad output folder fails at once; checked again when written.
  await checkOutputFolder(spec.output, { overwrite: spec.overwrite === true, what: 'the model files and pruning-plan.json' });
  const source = requireModel(spec, 'no model to prune: give one (ratios from a results file default to the model it measured)');
  const ratios = await ratiosOf(spec.ratios);
  const model = await openModel(source);
  ctx.events.progress({ stage: 'plan', done: 0, total: 3 });
  const plan = planPruning(model, model.dependencyGraph(), ratios, { criterion: spec.criterion ?? DEFAULT_CRITERION, roundTo: spec.roundTo ?? 1 });
  ctx.events.progress({ stage: 'prune', done: 1, total: 3 });
  const pruned = model.prune(plan);
  const summaryOptions = { onlyConv: spec.allLayers !== true };
  const flops = compareSummaries(model.summary(summaryOptions), pruned.summary(summaryOptions), summaryOptions);
  ctx.events.progress({ stage: 'write', done: 2, total: 3 });
  const written = await pruned.writePruned(spec.output, plan, { source: recordedModelPath(source.model), sourceFingerprint: model.fingerprint(), flops }, { keepQuantization: spec.keepQuantization === true, overwrite: spec.overwrite === true });
  // The source's preprocessing goes with it, so the pruned model is evaluated as its source was.
  const config = await writeModelConfig(written.dir, writtenPreprocessing(source.model, undefined));
  ctx.events.progress({ stage: 'write', done: 3, total: 3 });
  const measured = spec.measure === true ? await measurePruned(spec, plan.ratios, ctx) : undefined;
  const cut = flops.before.macs > 0 ? 1 - flops.after.macs / flops.before.macs : 0;
  const groups = plan.groups.filter((g) => g.pruned.length > 0).length;
  const cost = measured === undefined ? '' : `; ${measured.metric} ${formatPercent(measured.chosen.metric)} (unpruned ${formatPercent(measured.baseline)}, loss ${formatPercent(measured.chosen.loss)})`;
  const result: JobResult = {
    summary: `pruned ${groups} of ${counted(plan.groups.length, 'group')}: MACs ${formatCount(flops.before.macs)} -> ${formatCount(flops.after.macs)} (-${formatPercent(cut)})${cost}, written to ${written.dir}`,
    details: [
      ...describePlan(plan),
      formatFlopsComparison(flops).split('\n').at(-1) ?? '',
      ...(measured ? [`measured on the scan's data: ${measured.metric} ${formatPercent(measured.baseline)} -> ${formatPercent(measured.chosen.metric)} (loss ${formatPercent(measured.chosen.loss)})`] : []),
      `wrote ${written.modelJson} and ${written.plan}${config !== undefined ? `, and ${path.basename(config)} (the source's preprocessing)` : ''}`,
    ],
    outputs: [written.modelJson, written.plan],
    metrics: {
      groups,
      macsBefore: flops.before.macs,
      macsAfter: flops.after.macs,
      paramsBefore: flops.before.params,
      paramsAfter: flops.after.params,
      ...(measured ? { metricBefore: measured.baseline, metricAfter: measured.chosen.metric, loss: measured.chosen.loss } : {}),
    },
  };
  return { result, plan, flops, written };
}
