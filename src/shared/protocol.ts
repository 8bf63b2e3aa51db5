/**
 * Every custom message between the PruneLens extension and its language server, typed once
 * and imported by both sides. docs/protocol.md lists the same methods for people; keep the
 * two in step. Paths inside job specs and results are file-system paths (the worker
 * processes read and write files); anything the editor opens is a `uri`.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { MetricName, PointEvent, SensitivityResults } from './results';

/**
 * The channel-ranking criteria the UI offers. The core owns the real list
 * (src/core/pruning/types.ts CRITERIA); a unit test keeps the two equal.
 */
export const PRUNING_CRITERIA = ['l1_norm', 'l2_norm', 'geometry_median', 'bn_scale'] as const;

/**
 * The zoo models a Train job can start from (zoo:NAME). The core owns the real list
 * (src/core/models/zoo.ts ZOO_NAMES); the same unit test keeps the two equal.
 */
export const ZOO_MODELS = ['mobilenetV1', 'mobilenetV2', 'resnet20', 'vgg'] as const;

/** `builtin` (the shipped MNIST digits) or a folder of MNIST-format IDX files, as the CLI's --data. */
export type DatasetSpec = string;

/**
 * Measure sensitivities into `file` (created or extended; finished points are never
 * measured again). Fields left out are taken from the file's metadata, which is how
 * "Extend Ratios" and "re-run" are expressed.
 */
export interface SensitivityJobSpec {
  readonly kind: 'sensitivity';
  readonly file: string;
  /** A model.json path (or zoo:NAME). */
  readonly model?: string;
  readonly dataset?: DatasetSpec;
  /** The split evaluated (default test). */
  readonly split?: 'train' | 'test';
  /** Parameters to analyse; with `paramFilter`, the union. Default: those already in the file. */
  readonly params?: readonly string[];
  /** Conv kernels whose name contains this text (or matches it, written /like this/). */
  readonly paramFilter?: string;
  readonly ratios?: readonly number[];
  readonly criterion?: string;
  readonly metric?: MetricName;
  readonly earlyStopLoss?: number;
  /** Worker processes sharing the points (default 1). */
  readonly workers?: number;
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
}

/**
 * Ratios per parameter from a results file, written as the ratios file `prunelens ratios`
 * writes (src/shared/ratiosFile.ts): by a loss threshold, or for a share of FLOPs to remove.
 */
export interface RatiosJobSpec {
  readonly kind: 'ratios';
  readonly file: string;
  readonly output: string;
  readonly rule: { readonly loss: number } | { readonly targetFlops: number };
}

/** Prune a model physically and write it (with its pruning plan) to a new folder. */
export interface PruneJobSpec {
  readonly kind: 'prune';
  /** Default (with ratios from a results file): the model the results were measured on. */
  readonly model?: string;
  readonly output: string;
  /** A ratios file, or a results file and the loss threshold to take ratios at. */
  readonly ratios: { readonly file: string } | { readonly results: string; readonly loss: number };
  readonly criterion?: string;
  readonly roundTo?: number;
}

/** Train a zoo model from scratch, or fine-tune a model.json, and save it to `output`. */
export interface TrainJobSpec {
  readonly kind: 'train';
  readonly model: string;
  readonly dataset: DatasetSpec;
  readonly output: string;
  readonly epochs: number;
  readonly optimizer?: 'adam' | 'momentum';
  readonly learningRate?: number;
  readonly seed?: number;
}

/** Top-1 and top-5 accuracy over a whole split. */
export interface EvaluateJobSpec {
  readonly kind: 'evaluate';
  readonly model: string;
  readonly dataset: DatasetSpec;
  readonly split?: 'train' | 'test';
}

export type JobSpec = SensitivityJobSpec | MergeJobSpec | RatiosJobSpec | PruneJobSpec | TrainJobSpec | EvaluateJobSpec;
export type JobKind = JobSpec['kind'];

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobResult {
  /** One line for a notification, e.g. "top-1 98.10%, top-5 99.95% over 2004 images". */
  readonly summary: string;
  /** Files or folders the job wrote. */
  readonly outputs: readonly string[];
  readonly metrics?: Readonly<Record<string, number>>;
}

export interface JobInfo {
  readonly id: string;
  readonly kind: JobKind;
  readonly title: string;
  readonly spec: JobSpec;
  /** The results file of a sensitivity job (the explorer shows the job under it). */
  readonly file?: string;
  readonly state: JobState;
  /** What is being done now, e.g. "sensitivity" or "train epoch 1". */
  readonly stage?: string;
  readonly done: number;
  /** 0 while unknown. */
  readonly total: number;
  /** Worker process ids, for the curious and for tests. */
  readonly pids: readonly number[];
  /** Times a worker was started again after it died (a crash, or a server restart). */
  readonly restarts: number;
  readonly startedAt: string;
  readonly result?: JobResult;
  readonly error?: string;
}

/** Options the extension passes in `initialize`; all optional. */
export interface ServerInitOptions {
  /** Folder the server keeps running jobs in, so that they resume after a restart. */
  readonly stateDir?: string;
  /** Module the job manager forks for each worker, and Node options for it. */
  readonly workerModule?: string;
  readonly workerExecArgv?: readonly string[];
}

/** The `prunelens` settings section as the server reads it (workspace/configuration). */
export interface ServerSettings {
  readonly lossThreshold: number;
  readonly evaluation: { readonly providers: readonly string[] };
  readonly tfjsNodePath: string;
  readonly hover: { readonly quotedNames: boolean };
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  lossThreshold: 0.01,
  evaluation: { providers: ['cpu'] },
  tfjsNodePath: '',
  hover: { quotedNames: true },
};

export interface ResultsFileEntry {
  readonly uri: string;
  readonly path: string;
  /** The model's name, when the file could be read. */
  readonly modelName?: string;
  /** Why the file could not be read. */
  readonly error?: string;
}

export interface ParamEntry {
  readonly name: string;
  readonly layer: string;
  readonly shape: readonly number[];
  readonly outChannels: number;
  readonly group?: string;
  readonly prunable: boolean;
  readonly reason?: string;
}

export interface PointNotification extends PointEvent {
  readonly jobId: string;
  /** The results file the point belongs to (a shard's points are reported under the main file). */
  readonly file: string;
  readonly uri: string;
}

/** Client -> server: start a job; fails when another job holds its file. */
export const StartJobRequest = new RequestType<{ readonly spec: JobSpec }, JobInfo, void>('prunelens/startJob');

/** Client -> server: stop a job (its worker processes are killed; finished points stay). */
export const CancelJobRequest = new RequestType<{ readonly jobId: string }, { readonly cancelled: boolean }, void>('prunelens/cancelJob');

/** Client -> server: running jobs and those finished since the server started. */
export const ListJobsRequest = new RequestType<Record<string, never>, { readonly jobs: readonly JobInfo[] }, void>('prunelens/listJobs');

/** Client -> server: the sensitivity results files in the workspace folders. */
export const ListResultsFilesRequest = new RequestType<Record<string, never>, { readonly files: readonly ResultsFileEntry[] }, void>(
  'prunelens/listResultsFiles',
);

/** Client -> server: one results file, checked; `error` says why it could not be read. */
export const ReadResultsRequest = new RequestType<{ readonly uri: string }, { readonly results?: SensitivityResults; readonly error?: string }, void>(
  'prunelens/readResults',
);

/** Client -> server: a model's prunable parameters (conv kernels) with their channel groups. */
export const ModelParamsRequest = new RequestType<{ readonly model: string }, { readonly modelName: string; readonly params: readonly ParamEntry[] }, void>(
  'prunelens/modelParams',
);

/** Client -> server: where a parameter's layer is declared in the model file of a results file. */
export const LocateParamRequest = new RequestType<
  { readonly resultsUri: string; readonly param: string },
  { readonly uri: string; readonly line: number; readonly character: number } | null,
  void
>('prunelens/locateParam');

/** Client -> server: the sensitivity plot of a results file as SVG (the `prunelens plot` picture). */
export const RenderPlotRequest = new RequestType<{ readonly uri: string; readonly threshold?: number }, { readonly svg: string }, void>('prunelens/renderPlot');

/** Server -> client: a job started, progressed or ended. */
export const JobStatusNotification = new NotificationType<JobInfo>('prunelens/jobStatus');

/** Server -> client: a sensitivity point was written to its results file. */
export const PointNotificationType = new NotificationType<PointNotification>('prunelens/point');

/** Server -> client: a results file in the workspace appeared, changed or went away. */
export const ResultsChangedNotification = new NotificationType<{ readonly uri: string; readonly deleted: boolean }>('prunelens/resultsChanged');
