/**
 * The fast sensitivity engine: exact points at a fraction of the per-point cost.
 *
 * The per-point engine rebuilds a pruned (masked) model, exports it and evaluates the whole
 * network for every (group, ratio). Here the model is exported once (BatchNorm folded);
 * a group's pruned channels are zeroed through mask inputs multiplied in after its
 * `maskAfter` layers (which computes what the physically pruned model computes, see
 * docs/pruning.md), so one ONNX Runtime session serves every ratio. And since pruning a
 * group changes nothing upstream of it, the network is split at the group's mask points:
 * the upstream part runs once per batch, only the downstream part once per ratio (see
 * groupParts.ts and groupEvaluation.ts for the split and the loop order).
 */
import type { ImageDataset } from '../data/dataset';
import { checkDatasetFitsModel, permutation } from '../data/batches';
import type * as tf from '@tensorflow/tfjs';
import { isModelHandle, type ModelHandle } from '../models/modelHandle';
import { tfjsModel } from '../models/tfjsModel';
import { createOrtSession, loadOnnxRuntime, type OrtSessionOptions } from '../eval/ortSession';
import type { ChannelGroup } from '../pruning';
import type { PlannedPoint, ScanEngine } from '../sensitivity/scanEngine';
import type { MetricName } from '../../shared/results';
import { PruneLensError, throwIfCancelled } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';
import { lookSchedule } from '../sensitivity/lossInterval';
import { checkQuickRule, QUICK_ORDER_SEED, type QuickRule } from '../sensitivity/quickPoint';
import { batchRanges, imageTensor, logitsOf, pick, Tally } from './batchData';
import { buildGroupParts, type Feeds } from './groupParts';
import { openGroupEvaluation, outcomeOf, pointTally, type CutCache, type FastGroupEvaluation, type GroupContext, type PointOutcome, type QuickContext } from './groupEvaluation';
import { openPrunedGroup } from './prunedGroup';
import { chooseSeededCut, trunkWithCut, type SeededCut } from './seededCut';

/**
 * Default memory for one group's cut over the whole dataset. Two caches can be alive at
 * once (the previous group's, which the next upstream pass starts from, and the new one),
 * so the cut activations never take more than twice this.
 */
export const DEFAULT_CACHE_BYTES = 512 * 2 ** 20;

export interface FastEngineOptions extends OrtSessionOptions, LongTaskOptions {
  /** top1 (default) or agreement with the unpruned model's top-1 class. */
  readonly metric?: MetricName;
  /** Images per ONNX Runtime call (default 128). */
  readonly batchSize?: number;
  /** Budget for one group's cut activations over the whole dataset (default DEFAULT_CACHE_BYTES). */
  readonly cacheBytes?: number;
  /**
   * Quick mode: every point walks the images in one seeded random order and stops once its
   * loss is known well enough (src/core/sensitivity/quickPoint.ts). The baseline is exact.
   */
  readonly quick?: QuickRule;
}

export interface FastEngine extends ScanEngine {
  /** The unpruned model's outcome (also what `baseline` returns the metric of). */
  baselineOutcome(): Promise<PointOutcome>;
  openGroup(group: ChannelGroup, points: readonly PlannedPoint[]): Promise<FastGroupEvaluation>;
  /** Bytes the cut cache holds now. */
  cachedBytes(): number;
  /** Frees the cache; the engine can still be used (it recomputes). */
  release(): void;
}

function checkOptions(opts: FastEngineOptions): { batchSize: number; cacheBytes: number } {
  const batchSize = opts.batchSize ?? 128;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new PruneLensError(`batch size must be a positive integer, got ${batchSize}`);
  const cacheBytes = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
  if (!(cacheBytes >= 0)) throw new PruneLensError(`the cache budget must be a number of bytes >= 0, got ${cacheBytes}`);
  return { batchSize, cacheBytes };
}

/**
 * A fast engine for scanning `model` on `dataset`. Pass it to `sensitivity()` in place of a
 * metric function; call `release()` when the scan is over.
 */
export async function createFastEngine(model: tf.LayersModel | ModelHandle, dataset: ImageDataset, opts: FastEngineOptions = {}): Promise<FastEngine> {
  const { batchSize, cacheBytes } = checkOptions(opts);
  const metric = opts.metric ?? 'top1';
  const ort = await loadOnnxRuntime();
  const handle = isModelHandle(model) ? model : tfjsModel(model);
  const trunk = handle.evalGraph();
  checkDatasetFitsModel(dataset, trunk.imageShape, trunk.numClasses);
  if (dataset.count === 0) throw new PruneLensError('nothing to evaluate: the dataset has no images', dataset.source);
  const sessionOptions: OrtSessionOptions = {
    ...(opts.providers !== undefined ? { providers: opts.providers } : {}),
    ...(opts.intraOpThreads !== undefined ? { intraOpThreads: opts.intraOpThreads } : {}),
    ...(opts.allowSpinning !== undefined ? { allowSpinning: opts.allowSpinning } : {}),
  };
  const quick = opts.quick === undefined ? undefined : checkQuickRule(opts.quick);
  const ranges = batchRanges(dataset.count, batchSize, quick === undefined ? undefined : permutation(dataset.count, quick.seed ?? QUICK_ORDER_SEED));
  const looks = lookSchedule(dataset.count, batchSize);
  let cache: CutCache | undefined;
  let baseline: Promise<PointOutcome> | undefined;
  /** The group whose cut the baseline pass also outputs (seededCut.ts), and that cut once computed. */
  let seeded: SeededCut | undefined;
  let seededCache: CutCache | undefined;

  /**
   * A whole network (its ONNX bytes) over the dataset, scored against `targets`, or, when
   * there are none yet (agreement's baseline), against its own classes. With `quickCtx` it
   * stops where the point's rule says.
   */
  const score = async (onnx: Uint8Array, stage: string, targets?: Int32Array, quickCtx?: QuickContext, kept?: Feeds[]): Promise<PointOutcome> => {
    const session = await createOrtSession(onnx, sessionOptions);
    try {
      const tally = pointTally(dataset.count, quickCtx);
      const logits: Float32Array[] = [];
      const extra = session.outputNames.filter((name) => name !== trunk.outputName);
      for (const range of ranges) {
        if (tally.done) break;
        throwIfCancelled(opts.signal);
        const result = await session.run({ [trunk.inputName]: imageTensor(ort, dataset, range) });
        const out = logitsOf(result, trunk.outputName);
        // The other outputs (a seeded cut), kept per batch in the walk's order.
        if (kept !== undefined) kept.push(pick(result, extra));
        tally.add(out, range, targets ?? new Int32Array(dataset.count));
        if (targets === undefined) logits.push(out);
        opts.onProgress?.({ stage, done: range.index + 1, total: ranges.length });
      }
      if (targets !== undefined) return outcomeOf(tally);
      // Scored against its own classes; a NaN row still scores a miss.
      const own = new Tally(dataset.count);
      ranges.forEach((range, b) => own.add(logits[b] as Float32Array, range, tally.predicted));
      return { ...outcomeOf(own), predicted: tally.predicted };
    } finally {
      await session.release();
    }
  };

  /**
   * The whole unmasked network over the dataset, scored against the labels (top1) or
   * itself (agreement); with a seeded group, its cut is kept on the way.
   */
  const runTrunk = async (): Promise<PointOutcome> => {
    const targets = metric === 'top1' ? dataset.labels : undefined;
    if (seeded === undefined) return score(trunk.encode(trunk.graph), 'baseline', targets);
    const batches: Feeds[] = [];
    const outcome = await score(trunk.encode(trunkWithCut(trunk, seeded)), 'baseline', targets, undefined, batches);
    seededCache = { names: new Set(seeded.names), batches, bytes: seeded.bytes };
    return outcome;
  };

  const baselineOutcome = (): Promise<PointOutcome> => {
    baseline ??= runTrunk();
    // A failed or cancelled pass must not stick: the next call tries again.
    baseline.catch(() => (baseline = undefined));
    return baseline;
  };

  const openGroup = async (group: ChannelGroup, points: readonly PlannedPoint[]): Promise<FastGroupEvaluation> => {
    const targets = metric === 'top1' ? dataset.labels : (await baselineOutcome()).predicted;
    const quickCtx: QuickContext | undefined = quick === undefined ? undefined : { rule: quick, looks, baseline: await baselineOutcome() };
    if (!group.maskExact) return openPrunedGroup(handle, group.id, (onnx, stage) => score(onnx, stage, targets, quickCtx));
    const ctx: GroupContext = {
      ort,
      trunk,
      dataset,
      ranges,
      targets,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(quickCtx ? { quick: quickCtx } : {}),
    };
    // The seeded group starts from the cut the baseline pass kept: it has no upstream pass.
    let source = cache;
    if (seeded?.group === group.id) {
      await baselineOutcome();
      source = seededCache ?? cache;
      seeded = undefined;
      seededCache = undefined;
    }
    const parts = await buildGroupParts(trunk, group, source?.names ?? new Set(), sessionOptions);
    try {
      const opened = await openGroupEvaluation(ctx, group, points, parts, source, cacheBytes);
      // The newest cut is the closest to the next group's (groups come in network order).
      if (opened.cache !== undefined) cache = opened.cache;
      return opened.evaluation;
    } catch (e) {
      await parts.release();
      throw e;
    }
  };

  return {
    name: 'fast',
    ...(quick ? { quick } : {}),
    plan: (groups) => {
      // Only before the baseline pass, which is what it changes.
      if (baseline === undefined) seeded = chooseSeededCut(trunk, groups, dataset.count, cacheBytes);
    },
    baseline: async () => (await baselineOutcome()).metric,
    baselineOutcome,
    openGroup,
    cachedBytes: () => (cache?.bytes ?? 0) + (seededCache?.bytes ?? 0),
    release: () => {
      cache = undefined;
      seeded = undefined;
      seededCache = undefined;
    },
  };
}
