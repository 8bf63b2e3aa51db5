/**
 * The `pruning-plan.json` written beside a pruned model: what was asked (ratios,
 * criterion), what was done (kept channels per group and per layer), what it bought
 * (MACs and parameters before and after), and which model it was done to (its
 * fingerprint). The format is documented in docs/pruning.md; this module is its one
 * definition.
 */
import type { FlopsComparison } from './flops';
import type { Criterion, LayerChannels, PrunePlan } from './types';

export const PLAN_FILE_NAME = 'pruning-plan.json';
export const PLAN_FORMAT = 'prunelens-pruning-plan';
export const PLAN_VERSION = 1;

/** What writePrunedModel needs to know besides the plan. */
export interface PrunedModelInfo {
  /** What the source model was given as (a path or zoo:NAME), for people reading the plan. */
  readonly source: string;
  /** modelFingerprint of the model the plan was made for and applied to. */
  readonly sourceFingerprint: string;
  readonly flops: FlopsComparison;
}

export interface PlanFileGroup {
  readonly id: string;
  readonly params: readonly string[];
  readonly ratio: number;
  readonly channels: number;
  readonly keptChannels: number;
  readonly kept: readonly number[];
  readonly pruned: readonly number[];
}

/**
 * One sliced axis of one stored weight (ONNX models): which indices of the initializer's
 * axis were kept, so the same pruning can be applied to the source framework's weights
 * (docs/onnx.md shows it for a PyTorch state_dict).
 */
export interface PlanFileWeight {
  /** The parameter name: the state_dict key, or the name derived for a generated initializer. */
  readonly param: string;
  /** The initializer's name in the ONNX file. */
  readonly initializer: string;
  readonly axis: number;
  readonly size: number;
  readonly kept: readonly number[];
}

export interface PruningPlanFile {
  readonly format: typeof PLAN_FORMAT;
  readonly version: typeof PLAN_VERSION;
  readonly createdAt: string;
  readonly source: { readonly model: string; readonly name: string; readonly fingerprint: string };
  readonly pruned: { readonly modelJson: string; readonly fingerprint: string };
  readonly criterion: Criterion;
  readonly roundTo: number;
  readonly ratios: Readonly<Record<string, number>>;
  readonly groups: readonly PlanFileGroup[];
  readonly layers: readonly LayerChannels[];
  /** Kept indices per sliced weight axis; written for ONNX models. */
  readonly weights?: readonly PlanFileWeight[];
  readonly flops: {
    readonly definition: string;
    readonly onlyConv: boolean;
    readonly before: number;
    readonly after: number;
    readonly layers: readonly { readonly layer: string; readonly param: string | null; readonly before: number; readonly after: number }[];
  };
  readonly params: { readonly before: number; readonly after: number };
}

export function pruningPlanFile(plan: PrunePlan, info: PrunedModelInfo, prunedFingerprint: string, modelJson: string, createdAt: Date, weights?: readonly PlanFileWeight[]): PruningPlanFile {
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    createdAt: createdAt.toISOString(),
    source: { model: info.source, name: plan.modelName, fingerprint: info.sourceFingerprint },
    pruned: { modelJson, fingerprint: prunedFingerprint },
    criterion: plan.criterion,
    roundTo: plan.roundTo,
    ratios: plan.ratios,
    groups: plan.groups.map((g) => ({
      id: g.id,
      params: g.params,
      ratio: g.ratio,
      channels: g.channels,
      keptChannels: g.kept.length,
      kept: g.kept,
      pruned: g.pruned,
    })),
    layers: plan.layers,
    ...(weights !== undefined ? { weights } : {}),
    flops: {
      definition: 'multiply-accumulates per image, as PaddleSlim flops()',
      onlyConv: info.flops.onlyConv,
      before: info.flops.before.macs,
      after: info.flops.after.macs,
      layers: info.flops.layers
        .filter((l) => l.macsBefore > 0)
        .map((l) => ({ layer: l.layer, param: l.param ?? null, before: l.macsBefore, after: l.macsAfter })),
    },
    params: { before: info.flops.before.params, after: info.flops.after.params },
  };
}

/** Indented JSON with every list of numbers on one line, so index lists stay readable. */
export function formatPlanFile(file: PruningPlanFile): string {
  const text = JSON.stringify(file, null, 2);
  return `${text.replace(/\[\s*(-?\d[\d\s,.-]*?)\s*\]/g, (_, body: string) => `[${body.split(/\s*,\s*/).join(', ')}]`)}\n`;
}
