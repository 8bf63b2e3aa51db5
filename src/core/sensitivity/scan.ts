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
import type { DatasetIdentity, MetricName, PointEvent, SensitivityResults, ShardInfo } from '../../shared/results';
import { normaliseRatio } from '../../shared/results';
import { isModelHandle, type ModelHandle } from '../models/modelHandle';
import { tfjsModel } from '../models/tfjsModel';
import type { Criterion } from '../pruning';
import { PruneLensError, UsageError } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';
import type { MeasurementIdentity } from './compatibility';
import { buildFlopsModel } from './flopsModel';
import type { MetricFn } from './metrics';
import { readResultsIfExists } from './resultsFile';
import { isScanEngine, metricFnEngine, type ScanEngine } from './scanEngine';
import { ScanSession } from './scanSession';
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
  /**
   * The parameters whose groups this call measures (one shard's share); the other `params`
   * are recorded in the file without points. Default: all of them.
   */
  readonly measureOnly?: readonly string[];
  /** Where the model came from, recorded for display. */
  readonly modelPath?: string;
  /** Called after every point is written (measured or skipped). */
  readonly onPoint?: (event: PointEvent) => void;
}

export type { PointEvent };

/**
 * Measures the sensitivity of `params` (parameter names; see `prunelens params`) of
 * `model` and returns the results as written to `opts.file`. `evaluate` is either a metric
 * function, which gets a masked copy of a TF.js `model` for each point (and `model` itself
 * for the baseline), or a ScanEngine such as the fast engine (createFastEngine) or the
 * per-point engine of a model handle (perPointEngine), which measures a group's points
 * together. The caller owns the engine (and releases it afterwards).
 */
export async function sensitivity(
  model: tf.LayersModel | ModelHandle,
  params: readonly string[],
  evaluate: MetricFn | ScanEngine,
  opts: SensitivityOptions,
): Promise<SensitivityResults> {
  const handle = isModelHandle(model) ? model : tfjsModel(model);
  let engine: ScanEngine;
  if (isScanEngine(evaluate)) engine = evaluate;
  else if (!isModelHandle(model)) engine = metricFnEngine(model, evaluate);
  else throw new UsageError('a metric function evaluates TF.js models; give a model handle a scan engine (createFastEngine, perPointEngine)');
  const ratios = checkRatios(opts.ratios ?? DEFAULT_RATIOS, normaliseRatio);
  if (opts.earlyStopLoss !== undefined && !Number.isFinite(opts.earlyStopLoss)) throw new UsageError(`the early-stop loss must be a number, got ${opts.earlyStopLoss}`);
  const graph = handle.dependencyGraph();
  const identity: MeasurementIdentity = {
    model: { fingerprint: handle.fingerprint(), name: handle.name, ...(opts.modelPath ? { path: opts.modelPath } : {}) },
    dataset: opts.dataset,
    metric: opts.metric ?? 'top1',
    criterion: opts.criterion ?? 'l1_norm',
  };
  const existing = await readResultsIfExists(opts.file);
  checkComparable(existing, identity, opts.file, opts.force ?? false);
  const state = initialState(graph, params, existing, opts.measureOnly);
  const session = new ScanSession({ model: handle, graph, engine, opts, identity, existing, state, ratios, flops: buildFlopsModel(handle, graph) });
  const results = await session.run();
  if (results === undefined) throw nothingToMeasure(state, params);
  return results;
}

/** Why a call with no results file computed nothing: no parameters, or none the pruner can prune. */
function nothingToMeasure(state: ScanState, params: readonly string[]): PruneLensError {
  if (params.length === 0) return new UsageError('no parameters to analyse');
  const reasons = state.order.map((g) => `${g.id}: ${g.reason ?? 'not prunable'}`);
  return new PruneLensError(`nothing to measure: no requested parameter can be pruned\n  ${reasons.join('\n  ')}`);
}

