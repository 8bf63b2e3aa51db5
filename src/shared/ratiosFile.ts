/**
 * The ratios file `prunelens ratios` writes and `prunelens prune --ratios` reads: the
 * per-parameter ratios under `ratios` (all `prune` needs), with where they came from and
 * what they are expected to cost beside them. Built here, from a results file and a rule,
 * so the CLI and the webview produce the same file for the same threshold.
 *
 * This module has no Node imports: it is bundled into the webview.
 */
import { groupRatiosOf, ratiosByLoss, ratiosForFlopsTarget, sensitivitiesOf, type ParamRatios } from './ratios';
import { macsAfterPruning } from './flops';
import type { MetricName, SensitivityResults } from './results';
import type { Criterion } from './vocabulary';

export const RATIOS_FORMAT = 'prunelens-ratios';
export const RATIOS_VERSION = 1;

/** How the ratios were chosen: a loss threshold, or a FLOPs reduction to reach. */
export type RatiosRule = { readonly loss: number; readonly monotone?: boolean } | { readonly targetFlops: number };

/** One measured evaluation of a combined pruning: every ratio applied at once. */
export interface CombinedEvaluation {
  /** The per-layer loss threshold whose ratios were applied. */
  readonly threshold: number;
  /** The pruned model's metric and its loss relative to the unpruned model's. */
  readonly metric: number;
  readonly loss: number;
}

/** What the chosen ratios cost together, measured on the scan's data. */
export interface CombinedMeasurement {
  readonly metric: MetricName;
  readonly baseline: number;
  /** The evaluation of the ratios in this file. */
  readonly chosen: CombinedEvaluation;
  /** For a whole-model budget: the loss asked for, and every evaluation the bisection made, in order. */
  readonly modelLoss?: number;
  readonly evaluations?: readonly CombinedEvaluation[];
}

export interface RatiosFile {
  readonly format: typeof RATIOS_FORMAT;
  readonly version: typeof RATIOS_VERSION;
  readonly source: {
    /** The results file the ratios come from, as the user named it. */
    readonly results?: string;
    readonly model: { readonly fingerprint: string; readonly name: string; readonly path?: string };
    readonly metric: MetricName;
    readonly criterion: Criterion;
  };
  /** The loss threshold used; for a FLOPs target, the one the bisection settled on. */
  readonly loss: number;
  /** Set for a FLOPs target: what was asked and whether the measurements allow it. */
  readonly target?: { readonly flopsReduction: number; readonly reached: boolean };
  /** MACs per image before and after, estimated from the results file's FLOPs model. */
  readonly flops?: { readonly before: number; readonly after: number; readonly reduction: number };
  /** Parameter -> ratio; members of one group share a ratio. */
  readonly ratios: ParamRatios;
  /** Set when the safe reading of non-monotone curves was asked for (--monotone). */
  readonly monotone?: true;
  /** The combined pruning measured (--measure, or a whole-model budget). */
  readonly measured?: CombinedMeasurement;
}

/**
 * The ratios for `rule` from `results`. A FLOPs target needs the FLOPs model the scan
 * stores in the results file; without one only a loss threshold can be used.
 */
export function ratiosFileFor(results: SensitivityResults, rule: RatiosRule, resultsName?: string): RatiosFile {
  const sensitivities = sensitivitiesOf(results);
  const flopsModel = results.flops;
  const macsAfter = flopsModel === undefined ? undefined : (ratios: ParamRatios): number => macsAfterPruning(flopsModel, groupRatiosOf(results.params, ratios));
  let ratios: ParamRatios;
  let loss: number;
  let target: RatiosFile['target'];
  if ('loss' in rule) {
    loss = rule.loss;
    ratios = ratiosByLoss(sensitivities, loss, { monotone: rule.monotone === true });
  } else {
    if (flopsModel === undefined || macsAfter === undefined) throw new Error('this results file has no FLOPs model, so a FLOPs target cannot be used');
    const found = ratiosForFlopsTarget(sensitivities, rule.targetFlops, macsAfter, flopsModel.totalMacs);
    ({ ratios, loss } = found);
    target = { flopsReduction: rule.targetFlops, reached: found.reached };
  }
  const { fingerprint, name, path } = results.metadata.model;
  const after = macsAfter?.(ratios);
  return {
    format: RATIOS_FORMAT,
    version: RATIOS_VERSION,
    source: {
      ...(resultsName !== undefined ? { results: resultsName } : {}),
      model: { fingerprint, name, ...(path !== undefined ? { path } : {}) },
      metric: results.metadata.metric,
      criterion: results.metadata.criterion,
    },
    loss,
    ...(target !== undefined ? { target } : {}),
    ...('loss' in rule && rule.monotone === true ? { monotone: true as const } : {}),
    ...(flopsModel !== undefined && after !== undefined
      ? { flops: { before: flopsModel.totalMacs, after, reduction: flopsModel.totalMacs > 0 ? 1 - after / flopsModel.totalMacs : 0 } }
      : {}),
    ratios,
  };
}

/** The ratios file as it is written to disk: two-space JSON and a final newline. */
export function formatRatiosFile(file: RatiosFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
