/**
 * The jobs that change or measure a model: prune and write, train or fine-tune, evaluate.
 * Each is the same sequence of core calls as its CLI command.
 */
import { createOrtEvaluator } from '../../core/eval/ortSession';
import { evaluate } from '../../core/eval/evaluate';
import { modelFingerprint } from '../../core/models/fingerprint';
import { saveModel } from '../../core/models/io';
import { buildDependencyGraph, checkOutputFolder, compareFlops, planPruning, pruneModel, readRatiosFile, writePrunedModel, type Criterion } from '../../core/pruning';
import { loadResults } from '../../core/sensitivity/resultsFile';
import { train } from '../../core/train/train';
import { UsageError } from '../../core/util/errors';
import type { EvaluateJobSpec, JobResult, PruneJobSpec, TrainJobSpec } from '../../shared/protocol';
import { ratiosFileFor } from '../../shared/ratiosFile';
import type { Post, WorkerEnv } from '../workerProtocol';
import { openData, openModel } from './common';

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

async function ratiosOf(spec: PruneJobSpec): Promise<Record<string, number>> {
  if ('file' in spec.ratios) return readRatiosFile(spec.ratios.file);
  return ratiosFileFor(await loadResults(spec.ratios.results), { loss: spec.ratios.loss }, spec.ratios.results).ratios;
}

export async function runPrune(spec: PruneJobSpec, post: Post): Promise<JobResult> {
  // Checked before the work so that a bad output folder fails at once.
  await checkOutputFolder(spec.output);
  if (spec.model === undefined) throw new UsageError('no model to prune');
  const ratios = await ratiosOf(spec);
  const model = await openModel(spec.model);
  post({ type: 'progress', stage: 'plan', done: 0, total: 3 });
  const plan = planPruning(model, buildDependencyGraph(model), ratios, { criterion: (spec.criterion ?? 'l1_norm') as Criterion, roundTo: spec.roundTo ?? 1 });
  post({ type: 'progress', stage: 'prune', done: 1, total: 3 });
  const pruned = pruneModel(model, plan);
  const flops = compareFlops(model, pruned);
  post({ type: 'progress', stage: 'write', done: 2, total: 3 });
  const written = await writePrunedModel(spec.output, pruned, plan, { source: spec.model, sourceFingerprint: modelFingerprint(model), flops });
  const cut = flops.before.macs > 0 ? 1 - flops.after.macs / flops.before.macs : 0;
  return {
    summary: `pruned ${plan.groups.length} groups: MACs ${flops.before.macs} -> ${flops.after.macs} (-${pct(cut)}), written to ${written.dir}`,
    outputs: [written.modelJson, written.plan],
    metrics: { macsBefore: flops.before.macs, macsAfter: flops.after.macs, paramsBefore: flops.before.params, paramsAfter: flops.after.params },
  };
}

export async function runTrain(spec: TrainJobSpec, post: Post): Promise<JobResult> {
  const model = await openModel(spec.model);
  const data = await openData(spec.dataset, 'train', model, spec.model);
  const epochs = await train(model, data, {
    epochs: spec.epochs,
    ...(spec.optimizer ? { optimizer: spec.optimizer } : {}),
    ...(spec.learningRate !== undefined ? { learningRate: spec.learningRate } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    onProgress: (e) => post({ type: 'progress', stage: e.stage, done: e.done, total: e.total, ...(e.metrics ? { metrics: e.metrics } : {}) }),
  });
  const saved = await saveModel(model, spec.output);
  const last = epochs.at(-1);
  const figures = last ? `: train top-1 ${pct(last.top1)}, loss ${last.loss.toFixed(4)}` : '';
  return {
    summary: `trained ${epochs.length} epoch${epochs.length === 1 ? '' : 's'}${figures}; saved ${saved.modelJson}`,
    outputs: [saved.modelJson],
    ...(last ? { metrics: { top1: last.top1, top5: last.top5, loss: last.loss } } : {}),
  };
}

export async function runEvaluate(spec: EvaluateJobSpec, env: WorkerEnv, post: Post): Promise<JobResult> {
  const model = await openModel(spec.model);
  const split = spec.split ?? 'test';
  const data = await openData(spec.dataset, split, model, spec.model);
  const evaluator = await createOrtEvaluator(model, { providers: env.providers, ...(env.threads !== undefined ? { intraOpThreads: env.threads } : {}) });
  try {
    const r = await evaluate((x, n) => evaluator.run(x, n), data, {
      onProgress: (e) => post({ type: 'progress', stage: e.stage, done: e.done, total: e.total, ...(e.metrics ? { metrics: e.metrics } : {}) }),
    });
    return { summary: `top-1 ${pct(r.top1)}, top-5 ${pct(r.top5)} over ${r.count} ${split} images`, outputs: [], metrics: { top1: r.top1, top5: r.top5, count: r.count } };
  } finally {
    await evaluator.release();
  }
}
