/**
 * The numbers the threshold control drives: the ratio per parameter at the loss budget (or
 * for a FLOPs target), and the MACs and weights left after pruning by them, in total and per
 * layer. It runs on every move of the slider, in the webview, on the data the extension sent
 * once, and through exactly the functions the CLI's `ratios` command uses
 * (src/shared/ratiosFile.ts, src/shared/flops.ts), so the screen, the exported ratios file
 * and the prune job can never disagree.
 *
 * No DOM here: this is unit-tested in Node and timed by bench/webviewRecompute.ts.
 */
import { layerCostsAfterPruning, prunedChannelCount, type GroupRatios, type LayerCost } from '../src/shared/flops';
import { groupRatiosOf } from '../src/shared/ratios';
import { ratiosFileFor, type RatiosFile } from '../src/shared/ratiosFile';
import type { ReportData } from './reportData';

/** A loss budget, or a share of FLOPs to remove (the budget is then searched for). */
export type ThresholdMode = 'loss' | 'flops';

export interface ThresholdControlValue {
  readonly mode: ThresholdMode;
  /** Loss budget in [0, 1] (0.01: lose at most 1% of the metric). */
  readonly loss: number;
  /** Share of the MACs to remove, in (0, 1). */
  readonly flopsTarget: number;
}

export interface Reduction {
  readonly before: number;
  readonly after: number;
  /** Share removed, in [0, 1]. */
  readonly reduction: number;
}

export interface Recomputed {
  /** Exactly the ratios file `prunelens ratios` writes for this rule (ratios, loss, target, FLOPs). */
  readonly file: RatiosFile;
  readonly groupRatios: GroupRatios;
  /** Layer name -> its MACs and weights before and after. */
  readonly layers: ReadonlyMap<string, LayerCost>;
  readonly macs?: Reduction;
  readonly params?: Reduction;
  /** Groups that lose at least one channel (a small ratio of a small group may remove none), as the pruning plan counts them. */
  readonly prunedGroups: number;
}

function reduction(before: number, after: number): Reduction {
  return { before, after, reduction: before > 0 ? 1 - after / before : 0 };
}

/** The mode actually used: a FLOPs target needs the FLOPs model, which older files lack. */
export function effectiveMode(data: ReportData, mode: ThresholdMode): ThresholdMode {
  return mode === 'flops' && data.hasFlops ? 'flops' : 'loss';
}

export function recompute(data: ReportData, control: ThresholdControlValue, resultsName?: string): Recomputed {
  const rule = effectiveMode(data, control.mode) === 'flops' ? { targetFlops: control.flopsTarget } : { loss: control.loss };
  const file = ratiosFileFor(data.results, rule, resultsName);
  const groupRatios = groupRatiosOf(data.results.params, file.ratios);
  const flops = data.results.flops;
  const costs = flops === undefined ? [] : layerCostsAfterPruning(flops, groupRatios);
  let paramsBefore = 0;
  let paramsAfter = 0;
  for (const l of costs) {
    paramsBefore += l.params?.before ?? 0;
    paramsAfter += l.params?.after ?? 0;
  }
  return {
    file,
    groupRatios,
    layers: new Map(costs.map((l) => [l.name, l])),
    ...(file.flops !== undefined ? { macs: reduction(file.flops.before, file.flops.after) } : {}),
    ...(data.hasParams ? { params: reduction(paramsBefore, paramsAfter) } : {}),
    prunedGroups: Object.entries(groupRatios).filter(([g, r]) => prunedChannelCount(data.results.groups[g]?.channels ?? 0, r) > 0).length,
  };
}
