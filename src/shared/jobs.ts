/**
 * The jobs PruneLens runs, as specs: what the CLI turns its arguments into, what the
 * extension sends the language server (`prunelens/startJob`), and what a worker process
 * receives. Each job is written once, in src/core/jobs/, and every front end only builds a
 * spec and renders the job's events and result. Paths are file-system paths.
 *
 * This module has no Node imports: the extension and the webview read these types.
 */
import type { PreprocessingRequest } from './preprocessing';
import type { BackendPreference, Criterion, EvalEngineName, MetricName, OptimizerName, ProviderName, ScanEngineName, Split } from './vocabulary';

/**
 * `builtin` (the shipped MNIST digits), a folder of images (one subfolder per class, or flat
 * for an unlabelled set), a folder of MNIST-format IDX files, or a .npy/.npz file, as the
 * CLI's --data (docs/data.md).
 */
export type DatasetSpec = string;

/** How a dataset's images are read and turned into model input (docs/data.md). */
export interface DatasetOptions {
  /** One class name per line, line n = class n: maps an image folder's subfolders to the model's classes. */
  readonly classesFile?: string;
  /** Resize, channel order and scaling; what is left out comes from the model folder's prunelens.json. */
  readonly preprocessing?: PreprocessingRequest;
  /** A seeded, class-stratified sample of this many images. */
  readonly limit?: number;
  /** Where decoded images are cached (default: the user's cache folder). */
  readonly cacheDir?: string;
}

/**
 * A model: a model.json path (or its folder), or `zoo:NAME` for a fresh zoo model built
 * with `zoo` (input shape, classes, seed; 28x28x1, 10 classes, seed 1 by default).
 */
export interface ModelSource {
  readonly model: string;
  readonly zoo?: ZooOptions;
  /** For a model file whose input size is open ([null, null, null, 3]): the size to build it with. */
  readonly inputShape?: readonly [number, number, number];
}

export interface ZooOptions {
  readonly inputShape?: readonly [number, number, number];
  readonly classes?: number;
  readonly seed?: number;
}

/**
 * Measure sensitivities into `file` (created or extended; finished points are never
 * measured again). Fields left out are taken from the file's metadata, which is how
 * "Extend Ratios" and "re-run" are expressed.
 */
export interface SensitivityJobSpec extends Partial<ModelSource> {
  readonly kind: 'sensitivity';
  readonly file: string;
  readonly dataset?: DatasetSpec;
  readonly datasetOptions?: DatasetOptions;
  /** The split evaluated (default test). */
  readonly split?: Split;
  /** Parameters to analyse; with `paramFilter`, the union. Default: those already in the file. */
  readonly params?: readonly string[];
  /** Conv kernels whose name contains this text (or matches it, written /like this/). */
  readonly paramFilter?: string;
  /** Keep only the first N parameters the filter matches (the seed keeps 5). */
  readonly first?: number;
  readonly ratios?: readonly number[];
  readonly criterion?: Criterion;
  readonly metric?: MetricName;
  readonly earlyStopLoss?: number;
  /** How points are measured (default fast). */
  readonly engine?: ScanEngineName;
  /** The fast engine's memory for cached activations, for the whole scan, in MiB. */
  readonly cacheMb?: number;
  readonly batchSize?: number;
  /** Worker processes sharing the points (default 1). */
  readonly workers?: number;
  /** Measure only share `index` of `count` into the shard file beside `file` (1-based). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Add to a file measured on another model or dataset anyway. */
  readonly force?: boolean;
  /** Start over: the old file is kept as `<name>.previous.json` and everything is measured again. */
  readonly restart?: boolean;
}

/** Merge results files into `output` (PaddleSlim's merge_sensitive, checked). */
export interface MergeJobSpec {
  readonly kind: 'merge';
  readonly inputs: readonly string[];
  readonly output: string;
  readonly force?: boolean;
  /** Write an incomplete shard set anyway, marked partial in its metadata. */
  readonly partial?: boolean;
}

/**
 * How ratios are chosen from a results file: by a per-layer loss threshold (PaddleSlim's
 * rule), for a share of FLOPs to remove, or for a loss of the whole pruned model (the
 * per-layer threshold searched by bisection on measured evaluations of the combined pruning).
 */
export type RatiosRuleSpec = { readonly loss: number; readonly monotone?: boolean } | { readonly targetFlops: number } | { readonly modelLoss: number };

/**
 * Ratios per parameter from a results file, written as the ratios file `prunelens ratios`
 * writes (src/shared/ratiosFile.ts) when `output` is given.
 */
export interface RatiosJobSpec extends Partial<ModelSource> {
  readonly kind: 'ratios';
  readonly file: string;
  readonly output?: string;
  readonly rule: RatiosRuleSpec;
  /** With `model`: use it for a FLOPs target even if it is not the model measured. */
  readonly force?: boolean;
  /**
   * Also measure the combined pruning (every chosen ratio at once) on the scan's data: its
   * metric and loss beside the per-layer budget. Always done for a `modelLoss` rule.
   */
  readonly measure?: boolean;
}

/** Where a prune job's ratios come from. */
export type PruneRatiosSpec =
  | { readonly file: string }
  | { readonly results: string; readonly loss: number }
  | { readonly values: Readonly<Record<string, number>> };

/** Prune a model physically and write it (with its pruning plan) to a new folder. */
export interface PruneJobSpec extends Partial<ModelSource> {
  readonly kind: 'prune';
  readonly output: string;
  /** A ratios file, a results file and the loss threshold to take ratios at, or the ratios themselves. */
  readonly ratios: PruneRatiosSpec;
  readonly criterion?: Criterion;
  readonly roundTo?: number;
  /** Count the MACs of pooling, BN and activations too in the FLOPs report. */
  readonly allLayers?: boolean;
  /** Write each weight quantized as the source model stored it (uint8, uint16, float16); default float32. */
  readonly keepQuantization?: boolean;
  /** With ratios from a results file: measure the pruned model on the scan's data, beside the unpruned one. */
  readonly measure?: boolean;
}

/** Train a zoo model from scratch, or fine-tune a model.json, and save it to `output`. */
export interface TrainJobSpec extends ModelSource {
  readonly kind: 'train';
  readonly dataset: DatasetSpec;
  readonly datasetOptions?: DatasetOptions;
  readonly output: string;
  readonly epochs: number;
  readonly optimizer?: OptimizerName;
  readonly learningRate?: number;
  readonly batchSize?: number;
  readonly seed?: number;
}

/** Top-1 and top-5 accuracy over a whole split. */
export interface EvaluateJobSpec extends ModelSource {
  readonly kind: 'evaluate';
  readonly dataset: DatasetSpec;
  readonly datasetOptions?: DatasetOptions;
  readonly split?: Split;
  readonly engine?: EvalEngineName;
  readonly batchSize?: number;
}

/** Layers, parameters, MACs and channel groups of a model (what hover, `info` and `params` show). */
export interface DescribeJobSpec extends ModelSource {
  readonly kind: 'describe';
  /** Count the MACs of pooling, BN and activations too. */
  readonly allLayers?: boolean;
}

/**
 * Write the job files that run a sensitivity scan split into `shards` on a cluster: Slurm
 * (an sbatch array, a dependent merge, submit.sh) or Kubernetes (an Indexed Job, a merge Job,
 * a volume claim, submit.sh). Paths are as the tasks see them on the shared folder or volume
 * (relative ones resolve against `workdir` or the volume's mount). docs/scale-out.md.
 */
export interface ClusterJobSpec {
  readonly kind: 'cluster';
  readonly scheduler: 'slurm' | 'k8s';
  readonly model: string;
  /** The results file; shard files go beside it. */
  readonly file: string;
  readonly dataset?: DatasetSpec;
  readonly shards: number;
  /** Further `prunelens sensitivity` options every task runs with (--regex, --ratios, --criterion, ...). */
  readonly scanArgs: readonly string[];
  /** The folder the files are written into. */
  readonly output: string;
  /** Replace files already in `output`. */
  readonly force?: boolean;
  /** How the tasks run prunelens, as words (default ["prunelens"]). */
  readonly prunelens?: readonly string[];
  /** Cores per task (its ONNX Runtime threads), memory per task, retries of a failed task, tasks at once. */
  readonly cpus?: number;
  readonly memory?: string;
  readonly retries?: number;
  readonly maxParallel?: number;
  /** Prefix of the job names and log files. */
  readonly name?: string;
  readonly slurm?: { readonly workdir: string; readonly time?: string; readonly partition?: string; readonly account?: string; readonly setup?: readonly string[] };
  readonly k8s?: { readonly image: string; readonly namespace?: string; readonly claim?: string; readonly storage?: string; readonly storageClass?: string; readonly mountPath?: string };
}

export type JobSpec = SensitivityJobSpec | MergeJobSpec | RatiosJobSpec | PruneJobSpec | TrainJobSpec | EvaluateJobSpec | DescribeJobSpec | ClusterJobSpec;
export type JobKind = JobSpec['kind'];

/** Settings a job runs under that are not part of what it computes. */
export interface RunEnv {
  /** ONNX Runtime execution providers, in order of preference. */
  readonly providers?: readonly ProviderName[];
  /** ONNX Runtime intra-op threads (default: all cores; a worker of N gets cores / N). */
  readonly threads?: number;
  /** The TF.js backend to load and train on. */
  readonly backend?: BackendPreference;
  /** Where a user-installed tfjs-node(-gpu) lives. */
  readonly tfjsNodePath?: string;
  /**
   * The job shares the machine (a worker of the language server, one shard of a split scan):
   * idle ONNX Runtime threads yield their core rather than spin on it.
   */
  readonly background?: boolean;
}

export interface JobResult {
  /** One line for a notification, e.g. "top-1 98.10%, top-5 99.95% over 2004 images". */
  readonly summary: string;
  /** The full report, one line each, for a terminal or an output channel (may be empty). */
  readonly details?: readonly string[];
  /** Files or folders the job wrote. */
  readonly outputs: readonly string[];
  readonly metrics?: Readonly<Record<string, number>>;
}
