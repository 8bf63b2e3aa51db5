/**
 * The image dataset every core step works on: NHWC float images and integer class labels.
 * Its images are read through `readImages` (a contiguous range) and `gatherImages` (any
 * indices, for shuffled training batches), never all at once, so that a dataset may live
 * in memory (the built-in digits, IDX files: zero-copy views) or on disk (an image folder's
 * decoded cache, a .npy file) and a scan over a large set holds one batch at a time.
 */
import type { Preprocessing } from '../../shared/preprocessing';

/** What every dataset says about itself, wherever its images are. */
export interface DatasetInfo {
  /** Where it came from, e.g. "builtin-mnist:test" or the images file's path. */
  readonly source: string;
  /** One class index per image (all 0 when `unlabeled`). */
  readonly labels: Int32Array;
  /**
   * True for images without labels (an IDX folder with no labels file, a flat image folder):
   * only label-free metrics such as top-1 agreement with the unpruned model can use it.
   */
  readonly unlabeled?: boolean;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Number of classes the labels are drawn from (labels lie in [0, numClasses)). */
  readonly numClasses: number;
  /** How stored pixels became these values; absent for data used as stored (built-in digits, float arrays). */
  readonly preprocessing?: Preprocessing;
}

/** A dataset whose images are all in memory: count * height * width * channels values, NHWC. */
export interface InMemoryDataset extends DatasetInfo {
  readonly images: Float32Array;
}

/**
 * Images kept elsewhere (on disk, or as 8-bit pixels) and turned into NHWC float32 values
 * on read. Every read returns a new array the caller owns.
 */
export interface ImageStore {
  /** Images start .. start + count - 1. */
  read(start: number, count: number): Float32Array;
  /** The images at `indices`, in that order. */
  gather(indices: ArrayLike<number>): Float32Array;
  /**
   * sha256 (hex) over the stored images in dataset order, for the dataset fingerprint. With
   * `encoding` it determines every value `read` returns.
   */
  digest(): string;
  /** How stored bytes become values, e.g. "uint8 nhwc" (part of the fingerprint). */
  readonly encoding: string;
}

export interface StoredDataset extends DatasetInfo {
  readonly store: ImageStore;
}

export type ImageDataset = InMemoryDataset | StoredDataset;

export interface Batch {
  /** size * height * width * channels values (a view for in-memory data read in order, else a copy). */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}

/** Values per image. */
export function imageSize(ds: DatasetInfo): number {
  return ds.height * ds.width * ds.channels;
}

/** Images start .. start + count - 1 as NHWC float32 (a view of in-memory data). */
export function readImages(ds: ImageDataset, start: number, count: number): Float32Array {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > ds.count) {
    throw new RangeError(`images ${start} .. ${start + count - 1} are outside 0 .. ${ds.count - 1}`);
  }
  if ('images' in ds) return ds.images.subarray(start * imageSize(ds), (start + count) * imageSize(ds));
  return ds.store.read(start, count);
}

/** The images at `indices`, in that order, as NHWC float32 (always a copy). */
export function gatherImages(ds: ImageDataset, indices: ArrayLike<number>): Float32Array {
  if (!('images' in ds)) return ds.store.gather(indices);
  const per = imageSize(ds);
  const out = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i] as number;
    out.set(ds.images.subarray(src * per, (src + 1) * per), i * per);
  }
  return out;
}
