/**
 * A dataset over a folder of images: list the files (imageFolder.ts), take the --limit
 * sample, decode them once into the cache (imageCache.ts), and read batches from it.
 */
import type { InputSize } from '../../shared/preprocessing';
import { PruneLensError } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';
import type { StoredDataset } from './dataset';
import { ensureImageCache, type CachedImages } from './imageCache';
import { listImageFolder, pickFiles, type ImageFileList } from './imageFolder';
import { createImageStore, fileBytes } from './pixelStore';
import { imagePreprocessing, type PreprocessingSources } from './preprocess';
import { stratifiedSample } from './sample';
import { scalingTable } from './scaling';

export interface FolderDatasetOptions extends LongTaskOptions {
  readonly input: InputSize;
  readonly numClasses: number;
  readonly preprocessing: PreprocessingSources;
  readonly classesFile?: string;
  /** Keep a seeded, class-stratified sample of this many images. */
  readonly limit?: number;
  readonly cacheDir: string;
  /** Accept a flat folder (images without classes) for label-free metrics. */
  readonly labelsOptional?: boolean;
  /** Images decoded at once while building the cache. */
  readonly concurrency?: number;
}

/** The folder's images as a dataset, plus the cache it reads from (for messages). */
export interface FolderDataset {
  readonly dataset: StoredDataset;
  readonly files: ImageFileList;
  readonly cache: CachedImages;
}

export async function openImageFolder(dir: string, opts: FolderDatasetOptions): Promise<FolderDataset> {
  // Everything that can be checked without decoding is checked first: the layout, the
  // classes against the model, and the preprocessing against its input.
  let files = listImageFolder(dir, { numClasses: opts.numClasses, ...(opts.classesFile !== undefined ? { classesFile: opts.classesFile } : {}) });
  if (files.unlabeled && !opts.labelsOptional) {
    throw new PruneLensError('holds images but no class subfolders, so it has no labels: training and top-1 need one subfolder per class (a sensitivity scan can use --metric agreement without labels)', files.root);
  }
  const preprocessing = imagePreprocessing(opts.preprocessing, opts.input);
  const whole = files.files.length;
  const sampled = opts.limit !== undefined && opts.limit < whole;
  if (sampled) files = pickFiles(files, stratifiedSample(files.labels, opts.limit as number));
  const cache = await ensureImageCache({
    root: files.root,
    sample: sampled ? `limit ${files.files.length}` : '',
    files: files.files,
    geometry: preprocessing,
    cacheDir: opts.cacheDir,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const { height, width, channels, count } = cache;
  const shape = { height, width, channels, layout: 'nhwc' as const, order: Array.from({ length: channels }, (_, k) => k) };
  const dataset: StoredDataset = {
    source: files.files.length < whole ? `${files.root} (${files.files.length} of ${whole} images)` : files.root,
    labels: files.labels,
    ...(files.unlabeled ? { unlabeled: true } : {}),
    count,
    height,
    width,
    channels,
    numClasses: opts.numClasses,
    preprocessing,
    store: createImageStore(fileBytes(cache.file, cache.dataOffset, count, height * width * channels), {
      dtype: 'uint8',
      shape,
      table: scalingTable(preprocessing),
      digest: cache.digest,
    }),
  };
  return { dataset, files, cache };
}
