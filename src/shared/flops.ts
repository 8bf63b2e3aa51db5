/**
 * FLOPs (and weights) after pruning, estimated from per-layer data alone, so that the
 * webview can show a live preview while the user drags the loss threshold, without TF.js or
 * the model.
 *
 * The "FLOPs model" is small and serialisable (it travels in the results file). Each layer's
 * multiply-accumulates are split into terms; each term is scaled by the kept fraction of
 * the weight axes it depends on:
 * - a Conv2D's kernel term by its input channels and its output channels,
 *   (1 - r_in) * (1 - r_out), and its bias term by its output channels only;
 * - a DepthwiseConv2D by its one channel group, ONCE: each output channel reads one input
 *   channel, so pruning the group removes input and output together;
 * - a Dense after Flatten or global pooling by its input channels (the rows of a channel
 *   are removed together, whatever the spatial size);
 * - a conv whose input is a concatenation by the kept share of all the concatenated
 *   channels, which is why an axis is described as parts, one per group it carries.
 * MACs are counted as src/core/models/summary.ts counts them (PaddleSlim's `flops()`).
 * The weights counted are those of the conv and Dense layers (kernels and biases), which
 * scale like their MACs; BatchNorm's four numbers per channel are left out.
 *
 * This module has no Node imports: it is bundled into the webview.
 */

/**
 * Part of one weight axis: `count` indices that follow the channels of group `group` (each
 * channel equally often: once along a conv's axis, once per spatial position along the rows
 * of a Dense after Flatten). Without `group`, indices that nothing prunes.
 */
export interface AxisPart {
  readonly group?: string;
  readonly count: number;
}

/** One part of a layer's MACs and the weight axes whose kept fractions scale it. */
export interface FlopsTerm {
  /** Multiply-accumulates per image before pruning. */
  readonly macs: number;
  /**
   * The weights behind these MACs (a kernel, a bias) before pruning. They shrink by the same
   * kept fractions as the MACs, which is why they ride on the same term; a Dense bias is a
   * term with no MACs. Absent in files written before parameters were counted.
   */
  readonly params?: number;
  /**
   * Each entry is one factor, a weight axis described by its parts; the term is multiplied
   * by the kept fraction of every factor. An axis nothing can prune is not listed.
   */
  readonly scaledBy: readonly (readonly AxisPart[])[];
}

export interface FlopsLayer {
  readonly name: string;
  readonly className: string;
  readonly terms: readonly FlopsTerm[];
}

export interface FlopsModel {
  /** MACs per image of the unpruned model (the sum of every term). */
  readonly totalMacs: number;
  /** Channels of every group an axis part refers to. */
  readonly groups: Readonly<Record<string, { readonly channels: number }>>;
  /** Layers with MACs, in network order. */
  readonly layers: readonly FlopsLayer[];
}

/** Group id -> pruning ratio; a group that is not listed is not pruned. */
export type GroupRatios = Readonly<Record<string, number>>;

/** Python's round(): halves go to the even neighbour, as PaddleSlim's `int(round(n * ratio))`. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  if (x - floor !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Channels the pruner removes from a group of `channels` at `ratio`: round(n * ratio) with
 * halves to even, never all of them (at least one channel stays), as PaddleSlim does. With
 * `roundTo` K > 1 the kept count is raised to a multiple of K (never above n). The pruner
 * (src/core/pruning/plan.ts) uses this same function, so estimate and pruning agree.
 */
export function prunedChannelCount(channels: number, ratio: number, roundTo = 1): number {
  if (channels <= 1 || !(ratio > 0)) return 0;
  const pruned = Math.min(roundHalfEven(channels * ratio), channels - 1);
  if (roundTo <= 1) return pruned;
  const kept = Math.min(Math.ceil((channels - pruned) / roundTo) * roundTo, channels);
  return channels - kept;
}

function keptFraction(model: FlopsModel, parts: readonly AxisPart[], ratios: GroupRatios): number {
  let total = 0;
  let kept = 0;
  for (const part of parts) {
    total += part.count;
    const channels = part.group === undefined ? 0 : (model.groups[part.group]?.channels ?? 0);
    const share = channels > 0 && part.group !== undefined ? (channels - prunedChannelCount(channels, ratios[part.group] ?? 0)) / channels : 1;
    kept += part.count * share;
  }
  return total === 0 ? 1 : kept / total;
}

/** A layer's MACs per image and weights, before and after pruning; `params` only when the model counts them. */
export interface LayerCost {
  readonly name: string;
  readonly className: string;
  readonly macs: { readonly before: number; readonly after: number };
  readonly params?: { readonly before: number; readonly after: number };
}

/**
 * Whether the model counts the weights of every term (files written before parameters were
 * counted do not), so that a params total is never a silent undercount.
 */
export function countsParams(model: FlopsModel): boolean {
  return model.layers.length > 0 && model.layers.every((l) => l.terms.every((t) => t.params !== undefined));
}

/** Each layer's MACs and weights after pruning the groups by `ratios`, in network order. */
export function layerCostsAfterPruning(model: FlopsModel, ratios: GroupRatios): LayerCost[] {
  const withParams = countsParams(model);
  return model.layers.map((layer) => {
    const macs = { before: 0, after: 0 };
    const params = { before: 0, after: 0 };
    for (const term of layer.terms) {
      const kept = term.scaledBy.map((factor) => keptFraction(model, factor, ratios));
      // Rounded because the exact result is a whole number (kept fractions are ratios of
      // channel counts); this drops the float noise of the multiplications.
      const scale = (n: number): number => Math.round(kept.reduce((v, share) => v * share, n));
      macs.before += term.macs;
      macs.after += scale(term.macs);
      params.before += term.params ?? 0;
      params.after += scale(term.params ?? 0);
    }
    return { name: layer.name, className: layer.className, macs, ...(withParams ? { params } : {}) };
  });
}

/** Each layer's MACs per image after pruning the groups by `ratios`, in network order. */
export function layerMacsAfterPruning(model: FlopsModel, ratios: GroupRatios): { name: string; before: number; after: number }[] {
  return layerCostsAfterPruning(model, ratios).map((l) => ({ name: l.name, before: l.macs.before, after: l.macs.after }));
}

/** Total MACs per image after pruning the groups by `ratios`. */
export function macsAfterPruning(model: FlopsModel, ratios: GroupRatios): number {
  return layerCostsAfterPruning(model, ratios).reduce((n, l) => n + l.macs.after, 0);
}

/** The share of the model's MACs that pruning by `ratios` removes, in [0, 1]. */
export function flopsReduction(model: FlopsModel, ratios: GroupRatios): number {
  if (model.totalMacs <= 0) return 0;
  return 1 - macsAfterPruning(model, ratios) / model.totalMacs;
}
