/**
 * Progress and cancellation for long core work. The core reports plain numbers; the CLI
 * draws a bar from them and the language server forwards them as work-done progress.
 */

export interface ProgressEvent {
  /** What is being done, e.g. "train epoch 1" or "evaluate". */
  readonly stage: string;
  /** Units finished so far (batches, images, points). */
  readonly done: number;
  /** Units in all; 0 when not known. */
  readonly total: number;
  /** Running figures worth showing beside the bar, e.g. { loss: 0.31, top1: 0.92 }. */
  readonly metrics?: Readonly<Record<string, number>>;
}

export type ProgressCallback = (event: ProgressEvent) => void;

/** Options every long core operation accepts. */
export interface LongTaskOptions {
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}
