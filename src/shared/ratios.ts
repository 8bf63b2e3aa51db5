/**
 * From sensitivities to pruning ratios, the way PaddleSlim does it: `ratiosByLoss` is
 * `get_ratios_by_loss` and `ratiosForFlopsTarget` the bisection of the dygraph pruner's
 * `get_ratios_by_sensitivity`. Pure functions shared by the core (the `ratios` command) and
 * the webview (the draggable threshold), so both always give the same answer.
 *
 * This module has no Node imports: it is bundled into the webview.
 */
import type { GroupRatios } from './flops';
import type { SensitivityResults } from './results';
import { isMeasured } from './results';

/** Param -> ratio (as a key, "0.3") -> loss: PaddleSlim's sensitivities dict. */
export type Sensitivities = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Param -> ratio to prune it by. */
export type ParamRatios = Record<string, number>;

/**
 * The measured losses of `results` in PaddleSlim's shape: every parameter, including each
 * member of a coupled group (they share the group's points), with skipped points left out
 * (they are not measurements). A parameter with no points yet maps to an empty table.
 */
export function sensitivitiesOf(results: SensitivityResults): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [param, groupId] of Object.entries(results.params)) {
    const table: Record<string, number> = {};
    for (const [key, point] of Object.entries(results.points[groupId] ?? {})) {
      if (isMeasured(point)) table[key] = point.loss;
    }
    out[param] = table;
  }
  return out;
}

/**
 * PaddleSlim's `get_ratios_by_loss`, exactly. Per parameter, the points are sorted by
 * ratio and scanned from the largest ratio down; at the first point whose loss is at most
 * `loss`:
 * - if it is the largest measured ratio, that ratio is the answer;
 * - otherwise the answer is interpolated towards the next higher point (whose loss is above
 *   the threshold, or the scan would have stopped there):
 *   r = r0 + (loss - l0) * (r1 - r0) / (l1 - l0).
 * So with a non-monotonic curve the highest passing ratio wins, and a negative loss passes
 * like any other. A parameter with points but none passing gets 0.0; a parameter with no
 * points at all is left out of the answer (PaddleSlim's loop never runs for it).
 */
export function ratiosByLoss(sensitivities: Sensitivities, loss: number, opts: { monotone?: boolean } = {}): ParamRatios {
  if (opts.monotone === true) return monotoneRatiosByLoss(sensitivities, loss);
  const ratios: ParamRatios = {};
  for (const [param, table] of Object.entries(sensitivities)) {
    const points = sortedPoints(table);
    for (let i = points.length - 1; i >= 0; i--) {
      const [r0, l0] = points[i] as readonly [number, number];
      if (l0 <= loss) {
        const next = points[i + 1];
        if (next === undefined) {
          ratios[param] = r0;
        } else {
          const [r1, l1] = next;
          ratios[param] = r0 + ((loss - l0) * (r1 - r0)) / (l1 - l0);
        }
        break;
      }
      if (i === 0) ratios[param] = 0;
    }
  }
  return ratios;
}

/** The points of a table as [ratio, loss], ascending by ratio. */
function sortedPoints(table: Readonly<Record<string, number>>): (readonly [number, number])[] {
  return Object.entries(table)
    .map(([ratio, l]) => [Number(ratio), l] as const)
    .sort((a, b) => a[0] - b[0]);
}

/**
 * The safe reading of a non-monotone curve: scanning from the smallest ratio up, stop at the
 * first point over `loss`; the answer is interpolated between the last point within it and
 * that one (0 when the first point is already over), so no ratio past a point over the
 * budget is chosen. With a monotone curve this is ratiosByLoss's answer.
 */
export function monotoneRatiosByLoss(sensitivities: Sensitivities, loss: number): ParamRatios {
  const ratios: ParamRatios = {};
  for (const [param, table] of Object.entries(sensitivities)) {
    const points = sortedPoints(table);
    if (points.length === 0) continue;
    const over = points.findIndex(([, l]) => l > loss);
    if (over === -1) ratios[param] = (points[points.length - 1] as readonly [number, number])[0];
    else if (over === 0) ratios[param] = 0;
    else {
      const [r0, l0] = points[over - 1] as readonly [number, number];
      const [r1, l1] = points[over] as readonly [number, number];
      ratios[param] = r0 + ((loss - l0) * (r1 - r0)) / (l1 - l0);
    }
  }
  return ratios;
}

/** A chosen ratio that lies beyond a measured point whose loss is over the budget. */
export interface RatioBeyondBudget {
  readonly param: string;
  readonly ratio: number;
  /** The first point over the budget below the chosen ratio. */
  readonly over: { readonly ratio: number; readonly loss: number };
  /** What the safe reading (monotoneRatiosByLoss) chooses instead. */
  readonly safe: number;
}

/**
 * Where PaddleSlim's reading of a non-monotone curve picks a ratio past a point over the
 * budget (41.5% loss at 0.3, 3.5% at 0.5: it chooses 0.5): the cases to warn about.
 */
export function ratiosBeyondBudget(sensitivities: Sensitivities, chosen: Readonly<ParamRatios>, loss: number): RatioBeyondBudget[] {
  const safe = monotoneRatiosByLoss(sensitivities, loss);
  const found: RatioBeyondBudget[] = [];
  for (const [param, ratio] of Object.entries(chosen)) {
    const over = sortedPoints(sensitivities[param] ?? {}).find(([r, l]) => r < ratio && l > loss);
    if (over !== undefined) found.push({ param, ratio, over: { ratio: over[0], loss: over[1] }, safe: safe[param] ?? 0 });
  }
  return found;
}

/**
 * Group ratios from parameter ratios, for the FLOPs estimate. Members of one group get one
 * ratio from ratiosByLoss; should a hand-edited ratios file give them different ones, the
 * largest wins, because the pruner prunes the group once.
 */
export function groupRatiosOf(paramToGroup: Readonly<Record<string, string>>, ratios: Readonly<ParamRatios>): GroupRatios {
  const out: Record<string, number> = {};
  for (const [param, ratio] of Object.entries(ratios)) {
    const group = paramToGroup[param];
    if (group !== undefined) out[group] = Math.max(out[group] ?? 0, ratio);
  }
  return out;
}

export interface FlopsTargetProbe {
  /** The loss threshold tried. */
  readonly loss: number;
  /** The FLOPs reduction its ratios give, in [0, 1]. */
  readonly reduction: number;
}

export interface FlopsTargetResult {
  readonly ratios: ParamRatios;
  /** The loss threshold the ratios come from. */
  readonly loss: number;
  /** The share of FLOPs the ratios remove. */
  readonly reduction: number;
  /** Whether `reduction` reaches the target; false when even threshold 1 cannot. */
  readonly reached: boolean;
  /** Every threshold tried, in order. */
  readonly probes: readonly FlopsTargetProbe[];
}

/** Bisection stops once the threshold is known to within this (about 20 halvings of [0, 1]). */
export const FLOPS_TARGET_LOSS_TOLERANCE = 1e-6;

/** A cap on bisection steps, a guard only: the tolerance ends the search after ~20. */
export const FLOPS_TARGET_MAX_STEPS = 64;

/**
 * Ratios that remove at least `targetReduction` of the FLOPs with the smallest loss
 * threshold, by bisection on the threshold in [0, 1] as PaddleSlim's dygraph
 * `get_ratios_by_sensitivity` does: try the middle, raise the lower bound when the
 * reduction falls short and lower the upper bound when it reaches the target; stop on an
 * exact hit.
 *
 * Two things differ, on purpose. PaddleSlim also stops as soon as a reduction (rounded to
 * 4 decimals) repeats; the reduction is a step function of the threshold, so that rule
 * stops on the first plateau, often far above the threshold needed, and returns the last
 * ratios tried, which may even fall short of the target. Here the search runs until the
 * threshold is pinned to FLOPS_TARGET_LOSS_TOLERANCE (or FLOPS_TARGET_MAX_STEPS steps) and
 * returns the smallest threshold tried that reaches the target. Threshold 1 is tried
 * first: losses never exceed 1 (the metric is not negative), so if it falls short the
 * target is out of reach, and its ratios (the most the measurements allow) come back with
 * `reached: false`.
 */
export function ratiosForFlopsTarget(
  sensitivities: Sensitivities,
  targetReduction: number,
  flopsAfter: (ratios: ParamRatios) => number,
  totalFlops: number,
): FlopsTargetResult {
  const probes: FlopsTargetProbe[] = [];
  let best: { ratios: ParamRatios; loss: number; reduction: number } | undefined;
  const probe = (loss: number): number => {
    const ratios = ratiosByLoss(sensitivities, loss);
    const reduction = totalFlops > 0 ? (totalFlops - flopsAfter(ratios)) / totalFlops : 0;
    probes.push({ loss, reduction });
    if (reduction >= targetReduction && (best === undefined || loss < best.loss)) best = { ratios, loss, reduction };
    return reduction;
  };

  const most = probe(1);
  if (most < targetReduction) {
    return { ratios: ratiosByLoss(sensitivities, 1), loss: 1, reduction: most, reached: false, probes };
  }
  let low = 0;
  let up = 1;
  for (let step = 0; up - low > FLOPS_TARGET_LOSS_TOLERANCE && step < FLOPS_TARGET_MAX_STEPS; step++) {
    const loss = (low + up) / 2;
    const reduction = probe(loss);
    if (reduction === targetReduction) break;
    if (reduction < targetReduction) low = loss;
    else up = loss;
  }
  // Threshold 1 reached the target, so `best` is set.
  const found = best as { ratios: ParamRatios; loss: number; reduction: number };
  return { ...found, reached: true, probes };
}
