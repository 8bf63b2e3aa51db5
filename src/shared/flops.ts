/**
 * FLOPs after pruning, estimated from per-layer data alone, so that the webview can show a
 * live FLOPs preview while the user drags the loss threshold, without TF.js or the model.
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
 * `roundTo` K > 1 the kept count is raised to a multiple of K (never above n). This must
 * agree with the pruner's count (src/core/pruning/plan.ts); a unit test holds them together.
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

/** Each layer's MACs per image after pruning the groups by `ratios`, in network order. */
export function layerMacsAfterPruning(model: FlopsModel, ratios: GroupRatios): { name: string; before: number; after: number }[] {
  return model.layers.map((layer) => {
    let before = 0;
    let after = 0;
    for (const term of layer.terms) {
      before += term.macs;
      // Rounded because the exact result is a whole number of MACs (kept fractions are
      // ratios of channel counts); this drops the float noise of the multiplications.
      after += Math.round(term.scaledBy.reduce((macs, factor) => macs * keptFraction(model, factor, ratios), term.macs));
    }
    return { name: layer.name, before, after };
  });
}

/** Total MACs per image after pruning the groups by `ratios`. */
export function macsAfterPruning(model: FlopsModel, ratios: GroupRatios): number {
  return layerMacsAfterPruning(model, ratios).reduce((n, l) => n + l.after, 0);
}

/** The share of the model's MACs that pruning by `ratios` removes, in [0, 1]. */
export function flopsReduction(model: FlopsModel, ratios: GroupRatios): number {
  if (model.totalMacs <= 0) return 0;
  return 1 - macsAfterPruning(model, ratios) / model.totalMacs;
}
