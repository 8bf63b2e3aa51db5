/**
 * One quick point: its images' outcomes, added in the scan's seeded order, against the
 * unpruned model's on the same images, until the loss is known well enough. The interval is
 * lossInterval.ts's; this says when to stop and what to record.
 *
 * A point stops at a look (lookSchedule) when its loss interval is at most `precision` wide
 * on each side, or, with a loss threshold T, as soon as the interval lies wholly above T or
 * wholly at or below it (ratios by loss then decide as they would on the exact loss, with
 * the interval's confidence). With a threshold and no precision, a point whose interval
 * still holds T goes on: ratios by loss interpolate between the points on either side of T,
 * and on a flat curve a small error there moves the ratio a lot (measured: a point 0.0009
 * off moved a ratio by 0.025). A point that never stops has seen every image: it is exact.
 */
import type { QuickEstimate } from '../../shared/results';
import { PruneLensError } from '../util/errors';
import { WithoutReplacementBound } from './lossInterval';

/** When quick points stop, and how sure their intervals are. */
export interface QuickRule {
  /** Stop once the interval's half-width is at most this (in loss, e.g. 0.005). */
  readonly precision?: number;
  /** Stop as soon as the interval lies wholly above this loss or wholly at or below it. */
  readonly loss?: number;
  /** All looks' intervals at a point hold together with at least this probability (e.g. 0.95). */
  readonly confidence: number;
  /** Seed of the image order every point shares (default QUICK_ORDER_SEED): the same order every run. */
  readonly seed?: number;
}

export const QUICK_ORDER_SEED = 1;

/** What a point measured: its metric, and for an estimate how it was estimated. */
export interface PointMeasure {
  readonly metric: number;
  readonly quick?: QuickEstimate;
}

export function checkQuickRule(rule: QuickRule): QuickRule {
  if (rule.precision === undefined && rule.loss === undefined) throw new PruneLensError('quick mode needs a precision, a loss threshold, or both');
  if (rule.precision !== undefined && !(rule.precision > 0 && rule.precision < 1)) throw new PruneLensError(`the quick-mode precision must be a loss between 0 and 1, got ${rule.precision}`);
  if (rule.loss !== undefined && !Number.isFinite(rule.loss)) throw new PruneLensError(`the quick-mode loss threshold must be a number, got ${rule.loss}`);
  if (!(rule.confidence > 0 && rule.confidence < 1)) throw new PruneLensError(`the quick-mode confidence must lie between 0 and 1, got ${rule.confidence}`);
  return rule;
}

export class QuickPoint {
  private readonly bound: WithoutReplacementBound;
  private readonly count: number;
  private differences = 0;
  private stopped = false;

  /**
   * `unprunedHits[i]` is 1 where the unpruned model scores image i (its index in the
   * dataset), `baseline` that model's metric over every image, `looks` the schedule.
   */
  constructor(
    private readonly rule: QuickRule,
    private readonly unprunedHits: Uint8Array,
    private readonly baseline: number,
    looks: readonly number[],
  ) {
    if (!(baseline > 0)) throw new PruneLensError(`internal: a quick point needs a positive baseline, got ${baseline}`);
    this.count = unprunedHits.length;
    this.bound = new WithoutReplacementBound(this.count, looks, rule.confidence);
  }

  /** Whether the point may stop: its rule was met at a look, or every image was seen. */
  get done(): boolean {
    return this.stopped;
  }

  /** Images added so far. */
  get images(): number {
    return this.bound.count;
  }

  /** Adds image `index`'s outcome with the pruned group (next in the scan's order). */
  add(index: number, prunedHit: boolean): void {
    if (this.stopped) return;
    const d = (this.unprunedHits[index] as number) - (prunedHit ? 1 : 0);
    this.differences += d;
    if (this.bound.add((1 + d) / 2)) this.stopped = this.bound.count === this.count || this.ruleMet();
  }

  /** The loss interval after the latest look. */
  interval(): [number, number] {
    const { low, high } = this.bound.interval();
    return [(2 * low - 1) / this.baseline, (2 * high - 1) / this.baseline];
  }

  private ruleMet(): boolean {
    const [low, high] = this.interval();
    if (this.rule.precision !== undefined && (high - low) / 2 <= this.rule.precision) return true;
    return this.rule.loss !== undefined && (low > this.rule.loss || high <= this.rule.loss);
  }

  /**
   * The estimate: the metric the loss estimate implies, and how it was estimated; undefined
   * once every image was seen (then the point is exact, and its own tally says its metric).
   */
  estimate(): Required<PointMeasure> | undefined {
    const n = this.bound.count;
    if (n === 0) throw new PruneLensError('internal: a quick point was measured on no image');
    if (n === this.count) return undefined;
    const [low, high] = this.interval();
    // The sample mean, kept inside the interval (it may fall outside where one side of the bound is tight).
    const loss = Math.min(high, Math.max(low, this.differences / n / this.baseline));
    return { metric: this.baseline * (1 - loss), quick: { images: n, interval: [low, high], confidence: this.rule.confidence } };
  }
}
