/**
 * The sensitivity scan, PaddleSlim's `sensitivity()`: for each channel group and ratio,
 * prune only that group, evaluate, and record loss = (baseline - metric) / baseline.
 *
 * - One point per GROUP: parameters pruned together (a residual add's branches, a conv and
 *   the depthwise conv after it) are measured once and the point shows under every member.
 * - The results file is rewritten atomically after every point, so a scan killed at any
 *   moment loses at most the point in progress, and a rerun skips every point present.
 * - The baseline is evaluated lazily, once per call, and only if a point is computed.
 * - Early stop (optional, as NNI offers): once a group's loss passes `earlyStopLoss`, its
 *   higher ratios are recorded as skipped, never as numbers.
 * - Cancellation is honoured between points; the file keeps every finished point.
 * - How a point is measured is the engine's business (scanEngine.ts): a metric function
 *   evaluates a masked copy of the model per point; the fast engine measures a group's
 *   ratios from one pass over the network upstream of the group.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DatasetIdentity, MeasuredPoint, MetricName, PointEvent, SensitivityPoint, SensitivityResults, ShardInfo } from '../../shared/results';
import { isMeasured, normaliseRatio, ratioKey, RESULTS_FORMAT, RESULTS_VERSION } from '../../shared/results';
import { modelFingerprint } from '../models/fingerprint';
import { buildDependencyGraph, planPruning, type ChannelGroup, type Criterion, type DependencyGraph } from '../pruning';
import { PruneLensError, UsageError, throwIfCancelled } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';
import { PRUNELENS_VERSION } from '../version';
import { measurementDifferences } from './compatibility';
import { buildFlopsModel } from './flopsModel';
import type { MetricFn } from './metrics';
import { readResultsIfExists, writeResults } from './resultsFile';
import { isScanEngine, metricFnEngine, type GroupEvaluation, type PlannedPoint, type ScanEngine } from './scanEngine';
import { checkComparable, checkRatios, DEFAULT_RATIOS, initialState, type ScanState } from './scanState';

export interface SensitivityOptions extends LongTaskOptions {
  /** The results file: read first (resume), rewritten after every point. */
  readonly file: string;
  /** The data the metric function evaluates on (see datasetIdentity in fingerprint.ts). */
  readonly dataset: DatasetIdentity;
  /** What the metric function measures (default top1); recorded and checked. */
  readonly metric?: MetricName;
  /** Ratios to measure (default 0.1, 0.2, ..., 0.9); normalised to 4 decimals. */
  readonly ratios?: readonly number[];
  readonly criterion?: Criterion;
  /** Stop raising a group's ratio once its loss is above this. */
  readonly earlyStopLoss?: number;
  /** Add to a file measured on another model, dataset, metric or criterion anyway. */
  readonly force?: boolean;
  /** Set when this call measures one share of a scan split over processes (recorded in the file, with its plan). */
  readonly shard?: ShardInfo;
  /** Where the model came from, recorded for display. */
  readonly modelPath?: string;
  /** Called after every point is written (measured or skipped). */
  readonly onPoint?: (event: PointEvent) => void;
}

export type { PointEvent };

function now(): string {
  return new Date().toISOString();
}

/** Why `key` of `group` should be skipped under early stop, or undefined. */
function earlyStopReason(points: Readonly<Record<string, SensitivityPoint>>, ratio: number, limit: number | undefined): string | undefined {
  if (limit === undefined) return undefined;
  for (const [key, point] of Object.entries(points)) {
    if (Number(key) < ratio && isMeasured(point) && point.loss > limit) {
      return `loss ${point.loss} at ratio ${key} passed the early-stop limit ${limit}`;
    }
  }
  return undefined;
}

function checkMetric(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new PruneLensError(`the metric function returned ${String(value)} for ${what}; it must return a finite number`);
  return value;
}

/**
 * Measures the sensitivity of `params` (PaddleSlim names; see `prunelens params`) of
 * `model` and returns the results as written to `opts.file`. `evaluate` is either a metric
 * function, which gets a masked copy of `model` for each point (and `model` itself for the
 * baseline), or a ScanEngine such as the fast engine (createFastEngine), which measures a
 * group's points together. The caller owns the engine (and releases it afterwards).
 */
export async function sensitivity(
  model: tf.LayersModel,
  params: readonly string[],
  evaluate: MetricFn | ScanEngine,
  opts: SensitivityOptions,
): Promise<SensitivityResults> {
  const engine = isScanEngine(evaluate) ? evaluate : metricFnEngine(model, evaluate);
  const ratios = checkRatios(opts.ratios ?? DEFAULT_RATIOS, normaliseRatio);
  const criterion = opts.criterion ?? 'l1_norm';
  const metric = opts.metric ?? 'top1';
  const earlyStopLoss = opts.earlyStopLoss;
  if (earlyStopLoss !== undefined && !Number.isFinite(earlyStopLoss)) throw new UsageError(`the early-stop loss must be a number, got ${earlyStopLoss}`);
  const graph = buildDependencyGraph(model);
  const identity = { model: { fingerprint: modelFingerprint(model), name: model.name, ...(opts.modelPath ? { path: opts.modelPath } : {}) }, dataset: opts.dataset, metric, criterion };
  const existing = await readResultsIfExists(opts.file);
  checkComparable(existing, identity, opts.file, opts.force ?? false);
  const state = initialState(graph, params, existing);
  const allRatios = [...new Set([...(existing?.metadata.ratios ?? []), ...ratios])].sort((a, b) => a - b);
  const flops = buildFlopsModel(model, graph);
  const created = existing?.metadata.created ?? now();
  let baseline = existing?.metadata.baseline;
  let baselineMeasured = false;

  const snapshot = (updated = now()): SensitivityResults => {
    if (baseline === undefined) throw new PruneLensError('internal: results written before the baseline was known');
    const shard = opts.shard ?? existing?.metadata.shard;
    return {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      metadata: {
        ...identity,
        baseline,
        ratios: allRatios,
        ...(earlyStopLoss !== undefined ? { earlyStopLoss } : existing?.metadata.earlyStopLoss !== undefined ? { earlyStopLoss: existing.metadata.earlyStopLoss } : {}),
        created,
        updated,
        toolVersion: PRUNELENS_VERSION,
        ...(shard ? { shard } : {}),
      },
      params: state.params,
      groups: state.groups,
      points: state.points,
      flops,
    };
  };

  const prunable = state.order.filter((g) => g.prunable);
  const total = prunable.length * ratios.length;
  const isDone = (g: ChannelGroup, r: number): boolean => {
    const p = state.points[g.id]?.[ratioKey(r)];
    return p !== undefined && isMeasured(p);
  };
  let done = prunable.reduce((n, g) => n + ratios.filter((r) => isDone(g, r)).length, 0);
  // Whether the file needs writing even if no point is computed: new parameters or ratios,
  // or (forced) another model's identity to record.
  let changed =
    existing === undefined ||
    Object.keys(state.params).length !== Object.keys(existing.params).length ||
    allRatios.length !== existing.metadata.ratios.length ||
    measurementDifferences(existing.metadata, identity, '', '').length > 0;
  let written: SensitivityResults | undefined;
  const record = async (group: ChannelGroup, ratio: number, point: SensitivityPoint): Promise<void> => {
    // Kept in ratio order, as the file is written, so the returned results match it.
    const table = { ...state.points[group.id], [ratioKey(ratio)]: point };
    state.points[group.id] = Object.fromEntries(Object.entries(table).sort(([a], [b]) => Number(a) - Number(b)));
    done++;
    written = snapshot();
    await writeResults(opts.file, written);
    changed = false;
    opts.onPoint?.({ group: group.id, params: group.params, ratio, point, done, total });
    opts.onProgress?.({ stage: 'sensitivity', done, total });
  };

  opts.onProgress?.({ stage: 'sensitivity', done, total });
  for (const group of prunable) {
    // Opened when the group's first point needs an evaluation, with every ratio of the
    // group that may need one then (early stop can still drop some later).
    let evaluation: GroupEvaluation | undefined;
    let planned: Map<number, PlannedPoint> | undefined;
    try {
      for (const ratio of ratios) {
        if (isDone(group, ratio)) continue;
        const table = state.points[group.id] ?? {};
        const reason = earlyStopReason(table, ratio, earlyStopLoss);
        if (reason !== undefined) {
          const before = table[ratioKey(ratio)];
          if (before === undefined || isMeasured(before) || before.reason !== reason) await record(group, ratio, { skipped: 'early-stop', reason, finishedAt: now() });
          else done++;
          continue;
        }
        throwIfCancelled(opts.signal);
        if (!baselineMeasured) {
          baseline = checkMetric(await engine.baseline(), 'the unpruned model');
          baselineMeasured = true;
          if (!(baseline > 0)) throw new PruneLensError(`the unpruned model's ${metric} is ${baseline}; a loss relative to it is undefined`);
          throwIfCancelled(opts.signal);
        }
        const start = performance.now();
        planned ??= planGroup(model, graph, group, ratios.filter((r) => !isDone(group, r) && earlyStopReason(table, r, earlyStopLoss) === undefined), criterion);
        const point = planned.get(ratio);
        if (point === undefined) throw new PruneLensError(`internal: ratio ${ratio} of group ${group.id} was not planned`);
        const channelsPruned = point.plan.groups[0]?.pruned.length ?? 0;
        let value = baseline as number;
        // Nothing pruned (a small group at a small ratio): the model is unchanged, so is its metric.
        if (channelsPruned > 0) {
          evaluation ??= await engine.openGroup(group, [...planned.values()].filter((p) => (p.plan.groups[0]?.pruned.length ?? 0) > 0));
          value = checkMetric(await evaluation.metric(point), `group ${group.id} at ratio ${ratio}`);
        }
        await record(group, ratio, pointOf(value, baseline as number, channelsPruned, start));
      }
    } finally {
      await evaluation?.close();
    }
  }
  if (baseline === undefined) throw nothingToMeasure(state, params);
  if (changed) {
    written = snapshot();
    await writeResults(opts.file, written);
  }
  // What the file holds now: the last write, or the file as it was when nothing changed.
  return written ?? snapshot(existing?.metadata.updated);
}

/** Why a call with no results file computed nothing: no parameters, or none the pruner can prune. */
function nothingToMeasure(state: ScanState, params: readonly string[]): PruneLensError {
  if (params.length === 0) return new UsageError('no parameters to analyse');
  const reasons = state.order.map((g) => `${g.id}: ${g.reason ?? 'not prunable'}`);
  return new PruneLensError(`nothing to measure: no requested parameter can be pruned\n  ${reasons.join('\n  ')}`);
}

/** A plan per ratio, each pruning only `group`, so the channels are exactly the pruner's. */
function planGroup(model: tf.LayersModel, graph: DependencyGraph, group: ChannelGroup, ratios: readonly number[], criterion: Criterion): Map<number, PlannedPoint> {
  return new Map(ratios.map((ratio) => [ratio, { ratio, plan: planPruning(model, graph, { [group.id]: ratio }, { criterion }) }]));
}

/**
 * A measured point. `seconds` is the point's wall time: planning, evaluation and, for the
 * group's first evaluated point, opening the group (an engine's shared upstream work).
 */
function pointOf(metric: number, baseline: number, channelsPruned: number, start: number): MeasuredPoint {
  return { loss: (baseline - metric) / baseline, metric, channelsPruned, seconds: Math.round(performance.now() - start) / 1000, finishedAt: now() };
}
