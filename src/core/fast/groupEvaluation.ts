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
 */
import type * as Ort from 'onnxruntime-node';
import type { ImageDataset } from '../data/dataset';
import type { ChannelGroup } from '../pruning';
import type { GroupEvaluation, PlannedPoint } from '../sensitivity/scanEngine';
import { throwIfCancelled } from '../util/errors';
import type { ProgressCallback } from '../util/progress';
import { imageTensor, logitsOf, pick, Tally, type BatchRange } from './batchData';
import type { Feeds, GroupParts } from './groupParts';
import { maskVectors, type Trunk } from './trunk';

/** Cut values an earlier group left in memory, for every batch. */
export interface CutCache {
  readonly names: ReadonlySet<string>;
  readonly batches: readonly Feeds[];
  readonly bytes: number;
}

export interface PointOutcome {
  readonly metric: number;
  readonly hits: number;
  readonly count: number;
  /** Top-1 class per image. */
  readonly predicted: Int32Array;
}

export interface FastGroupEvaluation extends GroupEvaluation {
  /** How the points are measured: over cached cuts, streamed batch by batch, or on pruned models (prunedGroup.ts). */
  readonly mode: 'cached' | 'streamed' | 'pruned';
  /** The point's metric with its per-image classes (for checks and benchmarks). */
  outcome(point: PlannedPoint): Promise<PointOutcome>;
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
}

/** The cut of one batch: computed upstream from the images and `source`, or taken from `source`. */
async function cutFeeds(ctx: GroupContext, parts: GroupParts, source: CutCache | undefined, range: BatchRange): Promise<Feeds> {
  const images = imageTensor(ctx.ort, ctx.dataset, range);
  const at: Feeds = { ...(source?.batches[range.index] ?? {}), [ctx.trunk.inputName]: images };
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

function outcomeOf(tally: Tally): PointOutcome {
  return { metric: tally.hits / tally.seen, hits: tally.hits, count: tally.seen, predicted: tally.predicted };
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
    ctx.onProgress?.({ stage: `upstream of ${group.id}`, done: range.index + 1, total });
  }
  const cache: CutCache = { names: new Set(parts.cut.filter((v) => v !== ctx.trunk.inputName)), batches, bytes };
  const outcome = async (point: PlannedPoint): Promise<PointOutcome> => {
    const masks = maskFeeds(ctx, group, parts, point);
    const tally = new Tally(ctx.dataset.count);
    for (const range of ctx.ranges) {
      throwIfCancelled(ctx.signal);
      const cut = { ...(batches[range.index] as Feeds), [ctx.trunk.inputName]: imageTensor(ctx.ort, ctx.dataset, range) };
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
    const tallies = points.map(() => new Tally(ctx.dataset.count));
    for (const range of ctx.ranges) {
      throwIfCancelled(ctx.signal);
      const cut = await cutFeeds(ctx, parts, source, range);
      for (let k = 0; k < points.length; k++) await downstreamInto(ctx, parts, cut, masks[k] as Feeds, range, tallies[k] as Tally);
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
  const bytes = parts.cutBytesPerImage === undefined ? undefined : parts.cutBytesPerImage * ctx.dataset.count;
  if (bytes !== undefined && bytes <= cacheBytes) return openCached(ctx, group, parts, source, bytes);
  return { evaluation: openStreamed(ctx, group, points, parts, source) };
}

function evaluationOf(mode: 'cached' | 'streamed', parts: GroupParts, outcome: (p: PlannedPoint) => Promise<PointOutcome>): FastGroupEvaluation {
  let closed = false;
  return {
    mode,
    outcome,
    metric: async (point) => (await outcome(point)).metric,
    close: async () => {
      if (closed) return;
      closed = true;
      await parts.release();
    },
  };
}
