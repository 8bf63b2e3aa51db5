/**
 * Every custom message between the PruneLens extension and its language server, typed once
 * and imported by both sides. docs/protocol.md lists the same methods for people; keep the
 * two in step. Paths inside job specs and results are file-system paths (the worker
 * processes read and write files); anything the editor opens is a `uri`.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { JobKind, JobResult, JobSpec } from './jobs';
import type { PointEvent, SensitivityResults } from './results';
import type { ProviderName } from './vocabulary';

export type * from './jobs';


export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

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
  readonly evaluation: { readonly providers: readonly ProviderName[] };
  readonly tfjsNodePath: string;
  readonly hover: { readonly quotedNames: boolean };
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  lossThreshold: 0.01,
  evaluation: { providers: ['cpu'] },
  tfjsNodePath: '',
  hover: { quotedNames: true },
};

/** One shard of a split scan as the explorer shows it. */
export interface ShardLine {
  readonly index: number;
  /** done: its planned points are there; running: a live lock; incomplete: its file is short of points; missing: no file. */
  readonly state: 'done' | 'running' | 'incomplete' | 'missing';
  /** Points the shard plan gives it (unknown for files written before plans were recorded). */
  readonly planned?: number;
  readonly present: number;
  /** Who holds its lock, when running. */
  readonly host?: string;
  readonly pid?: number;
}

/** Where a split scan stands (its results file merged with the shard files beside it). */
export interface ShardSetSummary {
  readonly shards: readonly ShardLine[];
  /** Points the plan expects and how many are there. */
  readonly planned: number;
  readonly present: number;
  readonly complete: boolean;
}

export interface ResultsFileEntry {
  readonly uri: string;
  readonly path: string;
  /** The model's name, when the file could be read. */
  readonly modelName?: string;
  /** Why the file could not be read. */
  readonly error?: string;
  /** When shard files lie beside it (or it is a partial merge): where the split scan stands. */
  readonly shards?: ShardSetSummary;
  /** Whether the results file itself exists (a cluster scan has only shard files until its merge). */
  readonly exists?: boolean;
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

/**
 * Client -> server: the sensitivity results files in the workspace folders; a split scan's
 * results file is listed once its first shard file appears, before the merge writes it.
 */
export const ListResultsFilesRequest = new RequestType<Record<string, never>, { readonly files: readonly ResultsFileEntry[] }, void>(
  'prunelens/listResultsFiles',
);

/**
 * Client -> server: one results file, checked; `error` says why it could not be read. With
 * shard files beside it, the results are the file merged with them (marked partial while
 * points are owed) and `shards` says where the split scan stands.
 */
export const ReadResultsRequest = new RequestType<{ readonly uri: string }, { readonly results?: SensitivityResults; readonly error?: string; readonly shards?: ShardSetSummary }, void>(
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
