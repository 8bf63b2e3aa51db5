/**
 * The sensitivity results file: its types, shared by the core (which writes and checks the
 * file), the language server, the extension and the webview (which only read it). The file
 * is the source of truth for a scan, so everything a reader needs to trust or reuse a
 * number is in it: what was measured, on which model and data, with which metric and
 * criterion, and how the parameters were grouped when pruned.
 *
 * A shard written by one parallel worker is a file of exactly this format that holds only
 * some points; merging shards is merging files. docs/results-format.md describes the file
 * for people; src/core/sensitivity/resultsFile.ts is the one module that reads and writes it.
 *
 * This module has no Node imports: it is bundled into the webview.
 */
import type { FlopsModel } from './flops';
import { METRICS, RESULTS_FORMAT, type Criterion, type MetricName } from './vocabulary';
import type { Preprocessing } from './preprocessing';

export { RESULTS_FORMAT, type MetricName };

/** The version of the layout below; a reader refuses files from a newer version. */
export const RESULTS_VERSION = 1;

/** Decimals ratios are kept to, so that 0.30000000000000004 and 0.3 are one point. */
export const RATIO_DECIMALS = 4;

/** The metrics a point may record (src/shared/vocabulary.ts says what each one is). */
export const METRIC_NAMES: readonly MetricName[] = METRICS;

/** A ratio key as it appears in the file: the normalised ratio in its shortest decimal form ("0.3"). */
export type RatioKey = string;

/** A measured point: the group was pruned by the ratio and the model evaluated. */
export interface MeasuredPoint {
  /** (baseline - metric) / baseline, as measured: negative when pruning helped. */
  readonly loss: number;
  /** The metric of the pruned model. */
  readonly metric: number;
  /**
   * Channels the ratio actually removed from the group (round(n * ratio), at most n - 1).
   * 0 for a small group at a small ratio: then nothing was pruned and the loss is exactly 0.
   */
  readonly channelsPruned: number;
  /** Wall time of the point (masking plus evaluation), in seconds. */
  readonly seconds: number;
  /** ISO 8601 time the point was finished. */
  readonly finishedAt: string;
}

/**
 * A point that was deliberately not measured: early stop had seen the group's loss pass
 * the limit at a lower ratio. It is never a number, so no reader can mistake it for one.
 */
export interface SkippedPoint {
  readonly skipped: 'early-stop';
  /** Why, in words, e.g. "loss 0.41 at ratio 0.3 passed the early-stop limit 0.2". */
  readonly reason: string;
  readonly finishedAt: string;
}

export type SensitivityPoint = MeasuredPoint | SkippedPoint;

export function isMeasured(point: SensitivityPoint): point is MeasuredPoint {
  return !('skipped' in point);
}

/**
 * Channels that are pruned together: a conv's output channels and everything coupled to
 * them (its BN, a following depthwise conv, every branch of a residual add). One point is
 * measured per group and shown under every member parameter.
 */
export interface ResultsGroup {
  readonly id: string;
  /** The member parameters (conv and depthwise kernels), in network order. */
  readonly params: readonly string[];
  /** Channels in the group before pruning. */
  readonly channels: number;
  /** False when the pruner cannot prune this group; such a group never gets points. */
  readonly prunable: boolean;
  /** Why the group cannot be pruned (which layer and op stopped it); only when not prunable. */
  readonly reason?: string;
}

export interface DatasetIdentity {
  /** sha256 (hex) over the images, labels and shape; see src/core/sensitivity/fingerprint.ts. */
  readonly fingerprint: string;
  /** What the user named, e.g. "builtin:test" or a folder, for display only. */
  readonly spec: string;
  /** Images evaluated per point. */
  readonly count: number;
  /**
   * How the images were resized, cropped, ordered and scaled (src/shared/preprocessing.ts).
   * Absent for data used as stored (the built-in digits, float arrays) and in files
   * written before PruneLens recorded it.
   */
  readonly preprocessing?: Preprocessing;
}

export interface ResultsMetadata {
  readonly model: {
    /** sha256 (hex) over the topology and weights; see src/core/models/fingerprint.ts. */
    readonly fingerprint: string;
    /** The model's name inside TF.js. */
    readonly name: string;
    /** Where the model came from (a model.json path or zoo:NAME), for display only. */
    readonly path?: string;
  };
  readonly dataset: DatasetIdentity;
  readonly metric: MetricName;
  /** The unpruned model's metric, measured by the latest call that computed a point. */
  readonly baseline: number;
  /** The pruning criterion that chose which channels to prune, e.g. "l1_norm". */
  readonly criterion: Criterion;
  /** Every ratio any call asked for, normalised and ascending. */
  readonly ratios: readonly number[];
  /** The early-stop limit of the latest call that used one, if any. */
  readonly earlyStopLoss?: number;
  /** ISO 8601 times: when the file was first written, and last written. */
  readonly created: string;
  readonly updated: string;
  /** The PruneLens version that last wrote the file. */
  readonly toolVersion: string;
  /** Set on a parallel worker's shard: this is part `index` (1-based) of `count`. */
  readonly shard?: ShardInfo;
  /** Set on a merge of an incomplete shard set written on purpose (`merge --partial`). */
  readonly partial?: PartialMarker;
}

/**
 * How a scan was split into shards: the same plan is computed by every shard (from the
 * model, the parameters, the ratios and the results file as it was before the split) and
 * recorded in each shard's file, so that a merge or `prunelens status` knows which points
 * the whole set should hold even while some shard files are still missing.
 */
export interface ShardPlan {
  /** The ratios every planned group is measured at, normalised and ascending. */
  readonly ratios: readonly number[];
  /** One share per shard, in shard order (`shares[0]` is shard 1). */
  readonly shares: readonly PlannedShare[];
}

export interface PlannedShare {
  /** The prunable groups this shard measures, in network order. */
  readonly groups: readonly string[];
  /**
   * Its estimated cost: for each group, the MACs per image downstream of the group's mask
   * point times the ratios still to measure (what the fast engine recomputes per point).
   */
  readonly cost: number;
}

export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** Absent in shard files written before plans were recorded, and in the language server's own shards. */
  readonly plan?: ShardPlan;
}

/** What an incomplete merge lacked when it was written. */
export interface PartialMarker {
  /** Shards (1-based) of the plan that had planned points and no file among the inputs. */
  readonly missingShards: readonly number[];
  /** Group id -> ratio keys the plan expects and no input had. */
  readonly missingPoints: Readonly<Record<string, readonly RatioKey[]>>;
}

export interface SensitivityResults {
  readonly format: typeof RESULTS_FORMAT;
  readonly version: typeof RESULTS_VERSION;
  readonly metadata: ResultsMetadata;
  /** Every parameter asked about -> the id of its group. */
  readonly params: Readonly<Record<string, string>>;
  /** Group id -> the group. */
  readonly groups: Readonly<Record<string, ResultsGroup>>;
  /** Group id -> ratio key -> point. A group with no entry has no points yet. */
  readonly points: Readonly<Record<string, Readonly<Record<RatioKey, SensitivityPoint>>>>;
  /**
   * Per-layer MACs and which groups scale them, so FLOPs after pruning can be estimated
   * from the file alone (see src/shared/flops.ts). Absent in files written without a model.
   */
  readonly flops?: FlopsModel;
}

/** `r` rounded to RATIO_DECIMALS, so that float noise never makes two points of one ratio. */
export function normaliseRatio(r: number): number {
  const scale = 10 ** RATIO_DECIMALS;
  // Adding 0 turns -0 into 0.
  return Math.round(r * scale) / scale + 0;
}

/** The key a ratio is stored under: its normalised value's shortest decimal form. */
export function ratioKey(r: number): RatioKey {
  return String(normaliseRatio(r));
}

/**
 * The group ids of a file in the order their parameters were asked about (network order
 * for a scan), then any group no parameter names: the order every view lists groups in.
 */
export function groupOrder(results: SensitivityResults): string[] {
  const order = new Set<string>();
  for (const group of Object.values(results.params)) if (results.groups[group] !== undefined) order.add(group);
  for (const group of Object.keys(results.groups)) order.add(group);
  return [...order];
}

/**
 * One point of a scan as it is reported while the scan runs: by the core's `onPoint`, by a
 * worker process to the server, and by the server to the editor (which add where it goes).
 */
export interface PointEvent {
  readonly group: string;
  readonly params: readonly string[];
  readonly ratio: number;
  readonly point: SensitivityPoint;
  /** Points of this call handled so far (measured, or skipped by early stop), out of `total`. */
  readonly done: number;
  readonly total: number;
}
