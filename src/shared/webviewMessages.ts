/**
 * Every message between the Sensitivity Report webview (webview/) and the extension that
 * hosts it (src/extension/reportPanel.ts), typed once and imported by both sides. The
 * webview never talks to the language server: the extension reads the results file for it,
 * relays live points, and runs what the webview asks for (a prune job, a save dialog).
 * docs/webview.md lists the same messages for people; keep the two in step.
 *
 * Requests that need an answer carry an `id`; the extension answers each with one `reply`
 * of the same id. Everything else is fire-and-forget.
 *
 * This module has no Node imports: it is bundled into the webview.
 */
import type { SensitivityPoint, SensitivityResults } from './results';
import type { Criterion } from './vocabulary';

/** The webview panel's type, as package.json's `onWebviewPanel:` activation event names it. */
export const REPORT_VIEW_TYPE = 'prunelens.report';

/** What the webview shows of a running job on its file. */
export interface ReportJob {
  readonly title: string;
  readonly done: number;
  /** 0 while unknown. */
  readonly total: number;
}

/** Extension -> webview: the results file, read by the server; sent on `ready` and whenever the file changes. */
export interface LoadMessage {
  readonly type: 'load';
  /** The results file's `file:` URI, which the webview keeps in its state so the panel survives a reload. */
  readonly uri: string;
  /** The file's name, for the heading. */
  readonly name: string;
  /** The `prunelens.lossThreshold` setting: the threshold a report starts at before the user moves it. */
  readonly defaultLoss: number;
  readonly results?: SensitivityResults;
  /** Why the file could not be read (it may not exist yet while a scan starts). */
  readonly error?: string;
}

/** Extension -> webview: a sensitivity point was just written to this file (`prunelens/point`). */
export interface PointMessage {
  readonly type: 'point';
  readonly group: string;
  readonly params: readonly string[];
  readonly ratio: number;
  readonly point: SensitivityPoint;
}

/** Extension -> webview: the job writing this file progressed, or ended (`job` absent). */
export interface JobMessage {
  readonly type: 'job';
  readonly job?: ReportJob;
}

/**
 * Extension -> webview: the outcome of a request, for the status line. A request that
 * starts a job is answered twice: `pending` while it runs ("running ..."), then its outcome
 * when it ends ("finished: pruned 11 groups ...").
 */
export interface ReplyMessage {
  readonly type: 'reply';
  readonly id: number;
  readonly ok: boolean;
  /** What happened, in words: "saved to ...", "running ...", "finished: ...", "cancelled". */
  readonly message: string;
  /** The request goes on: another reply of this id follows. */
  readonly pending?: boolean;
  /** For a measure or fitModelLoss request that succeeded: what the ratios cost together. */
  readonly combined?: CombinedFigure;
}

/**
 * The combined pruning, measured: every ratio of per-layer threshold `threshold` applied at
 * once and the model evaluated on the scan's data (the file's metric), beside the unpruned
 * model. For a whole-model budget, the budget and how many evaluations its search made.
 */
export interface CombinedFigure {
  readonly threshold: number;
  readonly baseline: number;
  readonly value: number;
  readonly loss: number;
  readonly modelLoss?: number;
  readonly evaluations?: number;
}

export type ToWebview = LoadMessage | PointMessage | JobMessage | ReplyMessage;

/** Webview -> extension: the page has loaded (again, after a reload or being shown again) and wants its data. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Webview -> extension: the webview holds a point it cannot place (a new group): read the file again. */
export interface ReloadMessage {
  readonly type: 'reload';
}

/**
 * Webview -> extension: run Prune and Save with the ratios on screen. They are the ratios of
 * loss threshold `loss` (in FLOPs-target mode, the threshold the search settled on), so the
 * prune job takes them from the results file at that threshold, by the same code.
 */
export interface PruneMessage {
  readonly type: 'prune';
  readonly id: number;
  readonly loss: number;
  /** The criterion the points were measured with, so the same channels go. */
  readonly criterion: Criterion;
}

/** What Export writes; a ratios file and CSV are built in the webview, the SVG picture by the server. */
export type ExportKind = 'ratios' | 'csv' | 'svg';

/** Webview -> extension: ask where to save `text` (a ratios file or CSV) and write it. */
export interface SaveTextMessage {
  readonly type: 'saveText';
  readonly id: number;
  readonly kind: Exclude<ExportKind, 'svg'>;
  readonly text: string;
  /** File name offered in the save dialog, beside the results file. */
  readonly fileName: string;
}

/** Webview -> extension: save the `prunelens plot` picture at loss threshold `loss`. */
export interface ExportSvgMessage {
  readonly type: 'exportSvg';
  readonly id: number;
  readonly loss: number;
  readonly fileName: string;
}

/** Webview -> extension: measure the ratios of per-layer threshold `loss` applied all at once (a ratios job with measure). */
export interface MeasureMessage {
  readonly type: 'measure';
  readonly id: number;
  readonly loss: number;
}

/**
 * Webview -> extension: find the largest per-layer threshold whose ratios, measured
 * together, lose at most `budget` (a ratios job with a whole-model budget).
 */
export interface FitModelLossMessage {
  readonly type: 'fitModelLoss';
  readonly id: number;
  readonly budget: number;
}

/** Webview -> extension: show where a parameter's layer is declared in its model.json. */
export interface RevealMessage {
  readonly type: 'reveal';
  readonly param: string;
}

export type FromWebview = ReadyMessage | ReloadMessage | PruneMessage | SaveTextMessage | ExportSvgMessage | MeasureMessage | FitModelLossMessage | RevealMessage;

/** Messages of FromWebview that the extension answers with a ReplyMessage. */
export type WebviewRequest = Extract<FromWebview, { readonly id: number }>;

/** A value received from the other side is one of ours (its `type` is known); anything else is ignored. */
export function isToWebview(value: unknown): value is ToWebview {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'load' || type === 'point' || type === 'job' || type === 'reply';
}

export function isFromWebview(value: unknown): value is FromWebview {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'reload' || type === 'prune' || type === 'saveText' || type === 'exportSvg' || type === 'measure' || type === 'fitModelLoss' || type === 'reveal';
}
