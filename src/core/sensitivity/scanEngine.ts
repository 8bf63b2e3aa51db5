/**
 * How a sensitivity scan gets its numbers. The scan decides WHICH points to measure and
 * keeps the file (resume, early stop, cancellation); an engine decides HOW to measure them.
 *
 * A scan hands an engine one group at a time, with every ratio of that group that may
 * need measuring, so an engine can share work between the ratios of a group (the fast
 * engine computes the network upstream of the group once). It then asks for the points
 * one by one in ascending ratio order, and may stop asking (early stop, cancellation).
 *
 * `metricFnEngine` is the straightforward engine: a masked copy of the model per point,
 * evaluated whole by a metric function (PaddleSlim's way). src/core/fast/fastEngine.ts is
 * the fast one.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelHandle } from '../models/modelHandle';
import { maskModel, pruneModel, type ChannelGroup, type PrunePlan } from '../pruning';
import type { MetricFn } from './metrics';
import type { PointMeasure, QuickRule } from './quickPoint';

/** One point of a group: its ratio and the plan pruning only that group (at least one channel). */
export interface PlannedPoint {
  readonly ratio: number;
  readonly plan: PrunePlan;
}

export interface GroupEvaluation {
  /** The metric of the model with the group pruned as `point` says; `point` is one the group was opened with. */
  metric(point: PlannedPoint): Promise<number>;
  /** The same with how it was measured: an engine in quick mode says how each estimate was made. */
  measure?(point: PlannedPoint): Promise<PointMeasure>;
  /** Frees what the group held; called once, whether or not every point was asked for. */
  close(): Promise<void>;
}

export interface ScanEngine {
  /** What the scan prints and records in timings, e.g. "fast". */
  readonly name: string;
  /** The unpruned model's metric (exact, in quick mode too). */
  baseline(): Promise<number>;
  /** Set when the engine measures points in quick mode: a point may then be an estimate (GroupEvaluation.measure). */
  readonly quick?: QuickRule;
  /**
   * Told, before `baseline()`, which groups the scan means to open, in order (an engine may
   * prepare for them; the fast engine's baseline pass seeds one group's cut). A hint: the
   * scan may open fewer (early stop, cancellation).
   */
  plan?(groups: readonly ChannelGroup[]): void;
  /** Prepares measuring `group` at `points` (ascending ratios). */
  openGroup(group: ChannelGroup, points: readonly PlannedPoint[]): Promise<GroupEvaluation>;
}

export function isScanEngine(x: MetricFn | ScanEngine): x is ScanEngine {
  return typeof x === 'object' && x !== null && typeof (x as ScanEngine).openGroup === 'function';
}

/** The straightforward engine: every point evaluates a masked copy of `model` with `evaluate`. */
export function metricFnEngine(model: tf.LayersModel, evaluate: MetricFn): ScanEngine {
  return perPoint(model, { mask: maskModel, prune: pruneModel }, evaluate);
}

/** The straightforward engine for a model of any format (the masked copies are handles). */
export function perPointEngine(model: ModelHandle, evaluate: (model: ModelHandle) => Promise<number>): ScanEngine {
  return perPoint(model, { mask: (m, plan) => m.mask(plan), prune: (m, plan) => m.prune(plan) }, evaluate);
}

/** How one kind of model is changed by a plan: masked (same shapes), or physically pruned. */
interface PlanOps<M> {
  mask(model: M, plan: PrunePlan): M;
  prune(model: M, plan: PrunePlan): M;
}

function perPoint<M extends { dispose(): void }>(model: M, ops: PlanOps<M>, evaluate: (model: M) => Promise<number>): ScanEngine {
  return {
    name: 'per-point',
    baseline: () => evaluate(model),
    openGroup: (group) =>
      Promise.resolve({
        async metric(point: PlannedPoint): Promise<number> {
          // A group whose channels a mask cannot remove exactly is measured on the pruned model.
          const changed = group.maskExact ? ops.mask(model, point.plan) : ops.prune(model, point.plan);
          try {
            return await evaluate(changed);
          } finally {
            changed.dispose();
          }
        },
        close: () => Promise.resolve(),
      }),
  };
}
