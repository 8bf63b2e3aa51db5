/**
 * The in-memory image dataset every core step works on: NHWC float images in [0, 1] and
 * integer class labels. Readers (IDX files, the built-in MNIST) produce it; training and
 * evaluation consume it in batches.
 */
export interface ImageDataset {
  /** Where it came from, e.g. "builtin-mnist:test" or the images file's path. */
  readonly source: string;
  /** count * height * width * channels values, NHWC, scaled to [0, 1]. */
  readonly images: Float32Array;
  /** One class index per image (all 0 when `unlabeled`). */
  readonly labels: Int32Array;
  /**
   * True for images without labels (an IDX folder with no labels file): only label-free
   * metrics such as top-1 agreement with the unpruned model can use it.
   */
  readonly unlabeled?: boolean;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Number of classes the labels are drawn from (labels lie in [0, numClasses)). */
  readonly numClasses: number;
}

export interface Batch {
  /** size * height * width * channels values (a copy when shuffled, a view otherwise). */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}
