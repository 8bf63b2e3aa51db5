/**
 * One call of the sensitivity scan, as a small object: the working copy of the results
 * (state), the baseline (measured lazily, once, and only if a point is computed), the count
 * of points done, and whether the file needs writing. `run` visits the groups in order;
 * each group's points are planned together and opened in the engine when the first one
 * needs an evaluation. See scan.ts for the rules (early stop, resume, cancellation).
 */
import type { FlopsModel } from '../../shared/flops';
import type { MeasuredPoint, SensitivityPoint, SensitivityResults } from '../../shared/results';
import { isMeasured, ratioKey, RESULTS_FORMAT, RESULTS_VERSION } from '../../shared/results';
import { planPruning, type ChannelGroup, type Criterion, type DependencyGraph, type WeightReader } from '../pruning';
import { PruneLensError, throwIfCancelled } from '../util/errors';
import { PRUNELENS_VERSION } from '../version';
import { measurementDifferences, type MeasurementIdentity } from './compatibility';
import { writeResults } from './resultsFile';
import type { SensitivityOptions } from './scan';
import type { PointMeasure } from './quickPoint';
import type { GroupEvaluation, PlannedPoint, ScanEngine } from './scanEngine';
import type { ScanState } from './scanState';

export interface ScanSessionSetup {
  /** The model's weights, which plans rank channels by. */
  readonly model: WeightReader;
  readonly graph: DependencyGraph;
  readonly engine: ScanEngine;
  readonly opts: SensitivityOptions;
  readonly identity: MeasurementIdentity;
  readonly existing: SensitivityResults | undefined;
  readonly state: ScanState;
  /** The ratios this call measures (normalised, ascending). */
  readonly ratios: readonly number[];
  readonly flops: FlopsModel;
}

function now(): string {
  return new Date().toISOString();
}

/** Why a point at `ratio` should be skipped under early stop, or undefined. */
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

/** A plan per ratio, each pruning only `group`, so the channels are exactly the pruner's. */
function planGroup(model: WeightReader, graph: DependencyGraph, group: ChannelGroup, ratios: readonly number[], criterion: Criterion): Map<number, PlannedPoint> {
  return new Map(ratios.map((ratio) => [ratio, { ratio, plan: planPruning(model, graph, { [group.id]: ratio }, { criterion }) }]));
}

function channelsPruned(point: PlannedPoint): number {
  return point.plan.groups[0]?.pruned.length ?? 0;
}

/**
 * A measured point. `seconds` is the point's wall time: planning, evaluation and, for the
 * group's first evaluated point, opening the group (an engine's shared upstream work).
 */
function pointOf(measure: PointMeasure, baseline: number, pruned: number, start: number): MeasuredPoint {
  const { metric, quick } = measure;
  return {
    loss: (baseline - metric) / baseline,
    metric,
    channelsPruned: pruned,
    seconds: Math.round(performance.now() - start) / 1000,
    finishedAt: now(),
    ...(quick !== undefined ? { quick } : {}),
  };
}

/** The point's metric, with how it was estimated when the engine measures quick points. */
async function measurePoint(evaluation: GroupEvaluation, point: PlannedPoint, what: string): Promise<PointMeasure> {
  const measure = evaluation.measure ? await evaluation.measure(point) : { metric: await evaluation.metric(point) };
  return { ...measure, metric: checkMetric(measure.metric, what) };
}

export class ScanSession {
  private baseline: number | undefined;
  private baselineMeasured = false;
  private done: number;
  private readonly total: number;
  /** Whether the file needs writing even if no point is computed (new params or ratios, or a forced new identity). */
  private changed: boolean;
  private written: SensitivityResults | undefined;
  private readonly allRatios: readonly number[];
  private readonly created: string;
  private readonly prunable: readonly ChannelGroup[];

  constructor(private readonly s: ScanSessionSetup) {
    const { existing, state, ratios, identity } = s;
    this.baseline = existing?.metadata.baseline;
    this.allRatios = [...new Set([...(existing?.metadata.ratios ?? []), ...ratios])].sort((a, b) => a - b);
    this.created = existing?.metadata.created ?? now();
    this.prunable = state.order.filter((g) => g.prunable);
    this.total = this.prunable.length * ratios.length;
    this.done = this.prunable.reduce((n, g) => n + ratios.filter((r) => this.isDone(g, r)).length, 0);
    this.changed =
      existing === undefined ||
      Object.keys(state.params).length !== Object.keys(existing.params).length ||
      this.allRatios.length !== existing.metadata.ratios.length ||
      measurementDifferences(existing.metadata, identity, '', '').length > 0;
  }

  /** Measures every point still missing; the results as the file now holds them, or undefined when nothing was ever measured. */
  async run(): Promise<SensitivityResults | undefined> {
    this.s.opts.onProgress?.({ stage: 'sensitivity', done: this.done, total: this.total });
    for (const group of this.prunable) await this.measureGroup(group);
    if (this.baseline === undefined) return undefined;
    if (this.changed) await this.write();
    // What the file holds now: the last write, or the file as it was when nothing changed.
    return this.written ?? this.snapshot(this.s.existing?.metadata.updated);
  }

  /** Measured already: exactly, or, when this scan is quick itself, as an estimate too (an exact scan replaces estimates). */
  private isDone(group: ChannelGroup, ratio: number): boolean {
    const p = this.s.state.points[group.id]?.[ratioKey(ratio)];
    return p !== undefined && isMeasured(p) && (p.quick === undefined || this.s.engine.quick !== undefined);
  }

  private async measureGroup(group: ChannelGroup): Promise<void> {
    const { model, graph, engine, opts, state, ratios } = this.s;
    const limit = opts.earlyStopLoss;
    // Opened when the group's first point needs an evaluation, with every ratio of the group
    // that may need one then (early stop can still drop some later).
    let evaluation: GroupEvaluation | undefined;
    let planned: Map<number, PlannedPoint> | undefined;
    try {
      for (const ratio of ratios) {
        if (this.isDone(group, ratio)) continue;
        const table = state.points[group.id] ?? {};
        const reason = earlyStopReason(table, ratio, limit);
        if (reason !== undefined) {
          const before = table[ratioKey(ratio)];
          if (before === undefined || isMeasured(before) || before.reason !== reason) await this.record(group, ratio, { skipped: 'early-stop', reason, finishedAt: now() });
          else this.done++;
          continue;
        }
        throwIfCancelled(opts.signal);
        const baseline = await this.ensureBaseline();
        const start = performance.now();
        planned ??= planGroup(model, graph, group, ratios.filter((r) => !this.isDone(group, r) && earlyStopReason(table, r, limit) === undefined), opts.criterion ?? 'l1_norm');
        const point = planned.get(ratio);
        if (point === undefined) throw new PruneLensError(`internal: ratio ${ratio} of group ${group.id} was not planned`);
        let value: PointMeasure = { metric: baseline };
        // Nothing pruned (a small group at a small ratio): the model is unchanged, so is its metric.
        if (channelsPruned(point) > 0) {
          evaluation ??= await engine.openGroup(group, [...planned.values()].filter((p) => channelsPruned(p) > 0));
          value = await measurePoint(evaluation, point, `group ${group.id} at ratio ${ratio}`);
        }
        await this.record(group, ratio, pointOf(value, baseline, channelsPruned(point), start));
      }
    } finally {
      await evaluation?.close();
    }
  }

  /** The unpruned model's metric, measured on the first call that needs it. */
  private async ensureBaseline(): Promise<number> {
    if (!this.baselineMeasured) {
      const { engine, ratios } = this.s;
      engine.plan?.(this.prunable.filter((g) => ratios.some((r) => !this.isDone(g, r))));
      const value = checkMetric(await engine.baseline(), 'the unpruned model');
      this.baseline = value;
      this.baselineMeasured = true;
      if (!(value > 0)) throw new PruneLensError(`the unpruned model's ${this.s.identity.metric} is ${value}; a loss relative to it is undefined`);
      throwIfCancelled(this.s.opts.signal);
    }
    return this.baseline as number;
  }

  private async record(group: ChannelGroup, ratio: number, point: SensitivityPoint): Promise<void> {
    const { state, opts } = this.s;
    // Kept in ratio order, as the file is written, so the returned results match it.
    const table = { ...state.points[group.id], [ratioKey(ratio)]: point };
    state.points[group.id] = Object.fromEntries(Object.entries(table).sort(([a], [b]) => Number(a) - Number(b)));
    this.done++;
    await this.write();
    opts.onPoint?.({ group: group.id, params: group.params, ratio, point, done: this.done, total: this.total });
    opts.onProgress?.({ stage: 'sensitivity', done: this.done, total: this.total });
  }

  private async write(): Promise<void> {
    this.written = this.snapshot();
    await writeResults(this.s.opts.file, this.written);
    this.changed = false;
  }

  private snapshot(updated = now()): SensitivityResults {
    const { opts, existing, identity, state, flops } = this.s;
    if (this.baseline === undefined) throw new PruneLensError('internal: results written before the baseline was known');
    const shard = opts.shard ?? existing?.metadata.shard;
    const earlyStopLoss = opts.earlyStopLoss ?? existing?.metadata.earlyStopLoss;
    return {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      metadata: {
        ...identity,
        baseline: this.baseline,
        ratios: [...this.allRatios],
        ...(earlyStopLoss !== undefined ? { earlyStopLoss } : {}),
        created: this.created,
        updated,
        toolVersion: PRUNELENS_VERSION,
        ...(shard ? { shard } : {}),
      },
      params: state.params,
      groups: state.groups,
      points: state.points,
      flops,
    };
  }
}
