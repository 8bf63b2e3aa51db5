/**
 * Measuring one group's points with its upstream and downstream parts, in one of two loop
 * orders, chosen per group by how much memory the group's cut takes for the whole dataset:
 *
 * - CACHED (the cut fits the budget): one upstream pass over the dataset fills the cache,
 *   then each point is a downstream pass over the cached batches. Points finish one at a
 *   time, in ascending ratio order, so the results file is written after every point and
 *   early stop skips the higher ratios' work, exactly as with the per-point engine.
 * - STREAMED (it does not): batch-outer, ratio-inner. For each batch the upstream part runs
 *   once and the downstream part once per ratio; only one batch's cut is alive. Every
 *   ratio of the group finishes at the end of the last batch, so a killed scan resumes at
 *   the group in progress, and early stop saves no work (the scan still records the
 *   higher ratios as skipped).
 *
 * In quick mode (GroupContext.quick) a point stops at the first look where its interval is
 * narrow enough (src/core/sensitivity/quickPoint.ts): a cached point ends its pass over the
 * batches there; a streamed point drops out of the batch loop, which ends (upstream part
 * included) once every point of the group has stopped.
 */
import type * as Ort from 'onnxruntime-node';
import type { ImageDataset } from '../data/dataset';
import type { ChannelGroup } from '../pruning';
import type { GroupEvaluation, PlannedPoint } from '../sensitivity/scanEngine';
import { QuickPoint, type PointMeasure, type QuickRule } from '../sensitivity/quickPoint';
import type { QuickEstimate } from '../../shared/results';
import { throwIfCancelled } from '../util/errors';
import type { ProgressCallback } from '../util/progress';
import { imageTensor, logitsOf, pick, Tally, type BatchRange } from './batchData';
import { cachedCutBytes, type Feeds, type GroupParts } from './groupParts';
import { maskVectors, type Trunk } from './trunk';

/** Cut values an earlier group left in memory, for every batch. */
export interface CutCache {
  readonly names: ReadonlySet<string>;
  readonly batches: readonly Feeds[];
  readonly bytes: number;
}

export interface PointOutcome {
  /** Over every image, or in quick mode the estimate `quick` describes. */
  readonly metric: number;
  /** Hits among the `count` images evaluated. */
  readonly hits: number;
  readonly count: number;
  /** Top-1 class per image (by dataset index; 0 for an image a quick point did not evaluate). */
  readonly predicted: Int32Array;
  /** 1 per image that is a hit (by dataset index; 0 for an image not evaluated). */
  readonly correct: Uint8Array;
  /** Set when a quick point stopped before every image. */
  readonly quick?: QuickEstimate;
}

/** What quick mode needs to make a point's tally: the rule, the looks, and the unpruned model's outcome. */
export interface QuickContext {
  readonly rule: QuickRule;
  readonly looks: readonly number[];
  readonly baseline: PointOutcome;
}

export interface FastGroupEvaluation extends GroupEvaluation {
  /** How the points are measured: over cached cuts, streamed batch by batch, or on pruned models (prunedGroup.ts). */
  readonly mode: 'cached' | 'streamed' | 'pruned';
  /** The point's metric with its per-image classes (for checks and benchmarks). */
  outcome(point: PlannedPoint): Promise<PointOutcome>;
  measure(point: PlannedPoint): Promise<PointMeasure>;
}

export interface GroupContext {
  readonly ort: typeof Ort;
  readonly trunk: Trunk;
  readonly dataset: ImageDataset;
  readonly ranges: readonly BatchRange[];
  /** The class each image must get for a hit: labels, or the unpruned model's classes. */
  readonly targets: Int32Array;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressCallback;
  /** Set in quick mode: points stop early. */
  readonly quick?: QuickContext;
}

/** A fresh tally for one point: with its quick interval in quick mode. */
export function pointTally(count: number, quick: QuickContext | undefined): Tally {
  return new Tally(count, quick === undefined ? undefined : new QuickPoint(quick.rule, quick.baseline.correct, quick.baseline.metric, quick.looks));
}

/**
 * The batch's images, when `names` (a part's inputs) include them, as an extra feed. They
 * are read only then: from an image folder that is a read from disk and a conversion to
 * float per image, about as slow as a small network's evaluation, and most downstream parts
 * never see the images.
 */
function imageFeed(ctx: GroupContext, names: readonly string[], range: BatchRange): Feeds {
  return names.includes(ctx.trunk.inputName) ? { [ctx.trunk.inputName]: imageTensor(ctx.ort, ctx.dataset, range) } : {};
}

/** The cut of one batch: computed upstream from the images and `source`, or taken from `source`. */
async function cutFeeds(ctx: GroupContext, parts: GroupParts, source: CutCache | undefined, range: BatchRange): Promise<Feeds> {
  const at: Feeds = { ...(source?.batches[range.index] ?? {}), ...imageFeed(ctx, [...(parts.upstream?.inputs ?? []), ...parts.cut], range) };
  const feeds: Feeds = {};
  if (parts.upstream !== undefined) {
    const out = await parts.upstream.session.run(pick(at, parts.upstream.inputs));
    for (const name of parts.upstream.outputs) feeds[name] = out[name] as Ort.Tensor;
  }
  for (const name of parts.cut) feeds[name] ??= at[name] as Ort.Tensor;
  return pick(feeds, parts.cut);
}

function maskFeeds(ctx: GroupContext, group: ChannelGroup, parts: GroupParts, point: PlannedPoint): Feeds {
  const vectors = maskVectors(group, point.plan, parts.sites);
  const feeds: Feeds = {};
  for (const site of parts.sites) feeds[site.input] = new ctx.ort.Tensor('float32', vectors.get(site.input) as Float32Array, [...site.shape]);
  return feeds;
}

export function outcomeOf(tally: Tally): PointOutcome {
  const estimate = tally.quick?.estimate();
  const exact = { metric: tally.hits / tally.seen, hits: tally.hits, count: tally.seen, predicted: tally.predicted, correct: tally.correct };
  return estimate === undefined ? exact : { ...exact, ...estimate };
}

/** Runs the downstream part on one batch's cut with one point's masks and tallies its top-1 hits. */
async function downstreamInto(ctx: GroupContext, parts: GroupParts, cut: Feeds, masks: Feeds, range: BatchRange, tally: Tally): Promise<void> {
  const result = await parts.downstream.session.run(pick({ ...cut, ...masks }, parts.downstream.inputs));
  tally.add(logitsOf(result, ctx.trunk.outputName), range, ctx.targets);
}

/** CACHED: one upstream pass fills the cache, then each point is a downstream pass over it. */
async function openCached(ctx: GroupContext, group: ChannelGroup, parts: GroupParts, source: CutCache | undefined, bytes: number): Promise<{ evaluation: FastGroupEvaluation; cache: CutCache }> {
  const total = ctx.ranges.length;
  const batches: Feeds[] = [];
  for (const range of ctx.ranges) {
    throwIfCancelled(ctx.signal);
    const feeds = await cutFeeds(ctx, parts, source, range);
    // The images are a view of the dataset: never cached, re-viewed per batch.
    delete feeds[ctx.trunk.inputName];
    batches.push(feeds);
    // Without an upstream part the cut was all at hand (a seeded group): nothing ran.
    if (parts.upstream !== undefined) ctx.onProgress?.({ stage: `upstream of ${group.id}`, done: range.index + 1, total });
  }
  const cache: CutCache = { names: new Set(parts.cut.filter((v) => v !== ctx.trunk.inputName)), batches, bytes };
  const outcome = async (point: PlannedPoint): Promise<PointOutcome> => {
    const masks = maskFeeds(ctx, group, parts, point);
    const tally = pointTally(ctx.dataset.count, ctx.quick);
    for (const range of ctx.ranges) {
      if (tally.done) break;
      throwIfCancelled(ctx.signal);
      const cut = { ...(batches[range.index] as Feeds), ...imageFeed(ctx, parts.cut, range) };
      await downstreamInto(ctx, parts, cut, masks, range, tally);
      ctx.onProgress?.({ stage: `${group.id} at ${point.ratio}`, done: range.index + 1, total });
    }
    return outcomeOf(tally);
  };
  return { evaluation: evaluationOf('cached', parts, outcome), cache };
}

/** STREAMED: batch-outer, ratio-inner; every point of the group is computed on the first request. */
function openStreamed(ctx: GroupContext, group: ChannelGroup, points: readonly PlannedPoint[], parts: GroupParts, source: CutCache | undefined): FastGroupEvaluation {
  const total = ctx.ranges.length;
  let all: Promise<Map<number, PointOutcome>> | undefined;
  const computeAll = async (): Promise<Map<number, PointOutcome>> => {
    const masks = points.map((p) => maskFeeds(ctx, group, parts, p));
    const tallies = points.map(() => pointTally(ctx.dataset.count, ctx.quick));
    for (const range of ctx.ranges) {
      if (tallies.every((t) => t.done)) break;
      throwIfCancelled(ctx.signal);
      const cut = await cutFeeds(ctx, parts, source, range);
      for (let k = 0; k < points.length; k++) {
        const tally = tallies[k] as Tally;
        if (!tally.done) await downstreamInto(ctx, parts, cut, masks[k] as Feeds, range, tally);
      }
      ctx.onProgress?.({ stage: `${group.id}, ${points.length} ratios`, done: range.index + 1, total });
    }
    return new Map(points.map((p, k) => [p.ratio, outcomeOf(tallies[k] as Tally)]));
  };
  const outcome = async (point: PlannedPoint): Promise<PointOutcome> => {
    all ??= computeAll();
    // A failed or cancelled pass must not stick.
    all.catch(() => (all = undefined));
    const found = (await all).get(point.ratio);
    if (found === undefined) throw new Error(`internal: ratio ${point.ratio} of group ${group.id} was not opened`);
    return found;
  };
  return evaluationOf('streamed', parts, outcome);
}

/**
 * Opens a group in the order its cut's memory allows (see the module comment). In the
 * cached order the upstream pass runs here and its cache is returned too, for the next
 * group's upstream part to start from.
 */
export async function openGroupEvaluation(
  ctx: GroupContext,
  group: ChannelGroup,
  points: readonly PlannedPoint[],
  parts: GroupParts,
  source: CutCache | undefined,
  cacheBytes: number,
): Promise<{ evaluation: FastGroupEvaluation; cache?: CutCache }> {
  const bytes = cachedCutBytes(parts.cutBytesPerImage, ctx.dataset.count, cacheBytes);
  if (bytes !== undefined) return openCached(ctx, group, parts, source, bytes);
  return { evaluation: openStreamed(ctx, group, points, parts, source) };
}

/** What the scan records of an outcome: its metric, and how it was estimated in quick mode. */
export function measureOf(outcome: PointOutcome): PointMeasure {
  return { metric: outcome.metric, ...(outcome.quick !== undefined ? { quick: outcome.quick } : {}) };
}

function evaluationOf(mode: 'cached' | 'streamed', parts: GroupParts, outcome: (p: PlannedPoint) => Promise<PointOutcome>): FastGroupEvaluation {
  let closed = false;
  return {
    mode,
    outcome,
    metric: async (point) => (await outcome(point)).metric,
    measure: async (point) => measureOf(await outcome(point)),
    close: async () => {
      if (closed) return;
      closed = true;
      await parts.release();
    },
  };
}
