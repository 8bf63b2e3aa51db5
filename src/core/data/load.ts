/**
 * The built-in digits and folders of MNIST-format IDX files named like the original
 * distribution (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte; each optionally gzipped as .gz; idx4 for images with channels).
 * openDataset.ts resolves every other kind of spec.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { InputSize, Preprocessing, PreprocessingRequest } from '../../shared/preprocessing';
import { PruneLensError, UsageError } from '../util/errors';
import type { LongTaskOptions } from '../util/progress';
import { openArrayDataset } from './arrays';
import { checkDatasetFitsModel } from './batches';
import { loadBuiltinMnist, type BuiltinSplit } from './builtin';
import type { ImageDataset, InMemoryDataset } from './dataset';
import { openImageFolder } from './folderDataset';
import { defaultCacheDir } from './imageCache';
import { readIdxDataset, readIdxImages } from './idx';
import { pixelPreprocessing, readModelPreprocessing, type PreprocessingSources } from './preprocess';
import { stratifiedSample, subsetDataset } from './sample';

export const BUILTIN_DATASET = 'builtin';

const FILE_STEMS: Record<BuiltinSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

function findFileIfAny(dir: string, stem: string): string | undefined {
  const stems = stem.includes('idx3') ? [stem, stem.replace('idx3', 'idx4')] : [stem];
  for (const name of stems.flatMap((s) => [s, `${s}.gz`, s.replace(/-(idx\d)-/, '.$1-'), `${s.replace(/-(idx\d)-/, '.$1-')}.gz`])) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function findFile(dir: string, stem: string, why = ''): string {
  const found = findFileIfAny(dir, stem);
  if (found === undefined) throw new PruneLensError(`no ${stem} (or ${stem}.gz) in this folder${why}`, dir);
  return found;
}

export interface LoadDatasetOptions {
  /**
   * Accept a folder with images but no labels file (for label-free metrics); the dataset
   * comes back marked `unlabeled`. A labels file that is present is still read and checked.
   */
  readonly labelsOptional?: boolean;
  /** The scaling and channel order of the pixels (IDX files); default: pixels / 255. */
  readonly preprocessing?: Preprocessing;
}

/** True when `dir` holds MNIST-format IDX files (of any split). */
export function isIdxFolder(dir: string): boolean {
  return Object.values(FILE_STEMS).some((s) => findFileIfAny(dir, s.images) !== undefined);
}

export function loadDataset(spec: string, split: BuiltinSplit, numClasses = 10, opts: LoadDatasetOptions = {}): InMemoryDataset {
  if (spec === BUILTIN_DATASET) return loadBuiltinMnist(split);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec);
  } catch {
    throw new PruneLensError(`dataset folder not found (use "${BUILTIN_DATASET}" for the built-in MNIST digits)`, spec);
  }
  if (!stat.isDirectory()) throw new PruneLensError('expected a folder of MNIST-format IDX files', spec);
  const stems = FILE_STEMS[split];
  const images = findFile(spec, stems.images);
  const labels = opts.labelsOptional ? findFileIfAny(spec, stems.labels) : findFile(spec, stems.labels, ' (training and eval need labels; without them a sensitivity scan can use the label-free metric, --metric agreement)');
  const idxOptions = { numClasses, ...(opts.preprocessing ? { preprocessing: opts.preprocessing } : {}) };
  return labels === undefined ? readIdxImages(images, idxOptions) : readIdxDataset(images, labels, idxOptions);
}

/** Subfolders that split an image folder, by split, in the order they are looked for. */
export const SPLIT_FOLDERS: Readonly<Record<BuiltinSplit, readonly string[]>> = { train: ['train', 'training'], test: ['test', 'val', 'validation', 'valid'] };

/** What to open: the spec as the user gave it and how to read it. */
export interface DatasetRequest {
  /** "builtin", a folder (IDX files or images), or a .npy / .npz file. */
  readonly data: string;
  readonly split: BuiltinSplit;
  /** A file of class names, one per line (line n = class n), for image folders. */
  readonly classesFile?: string;
  readonly preprocessing?: PreprocessingRequest;
  /** Keep a seeded, class-stratified sample of this many images. */
  readonly limit?: number;
  /** Where decoded images are cached (default: defaultCacheDir()). */
  readonly cacheDir?: string;
  /** Accept images without labels (for label-free metrics). */
  readonly labelsOptional?: boolean;
}

/** What the data must fit: the model's input and classes, and where its prunelens.json may be. */
export interface ModelInput extends InputSize {
  readonly numClasses: number;
  /** The folder of the model's model.json (none for zoo models). */
  readonly modelDir?: string;
}

export interface OpenDatasetOptions extends LongTaskOptions {
  /** Images decoded at once while building an image folder's cache. */
  readonly concurrency?: number;
}

/** The input a Layers model takes and the classes it predicts. */
export function modelInputOf(model: tf.LayersModel, modelDir?: string): ModelInput {
  const [height, width, channels] = (model.inputs[0]?.shape ?? []).slice(-3);
  if (typeof height !== 'number' || typeof width !== 'number' || typeof channels !== 'number') {
    throw new PruneLensError(`model "${model.name}" has an input of unknown size [${(model.inputs[0]?.shape ?? []).join(', ')}]`);
  }
  return { height, width, channels, numClasses: model.outputs[0]?.shape.at(-1) ?? 10, ...(modelDir !== undefined ? { modelDir } : {}) };
}

/** The folder of a split inside an image folder, or the folder itself when it has no split folders. */
function splitFolder(dir: string, split: BuiltinSplit): string {
  const all = [...SPLIT_FOLDERS.train, ...SPLIT_FOLDERS.test];
  const present = all.filter((name) => fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.isDirectory());
  if (present.length === 0) return dir;
  const found = SPLIT_FOLDERS[split].find((name) => present.includes(name));
  if (found === undefined) throw new PruneLensError(`has ${present.map((p) => `${p}/`).join(' and ')} but no ${SPLIT_FOLDERS[split].map((p) => `${p}/`).join(', ')} folder for the ${split} split`, dir);
  return path.join(dir, found);
}

function preprocessingSources(req: DatasetRequest, model: ModelInput): PreprocessingSources {
  const fromModel = model.modelDir !== undefined ? readModelPreprocessing(model.modelDir) : undefined;
  return {
    ...(req.preprocessing ? { request: req.preprocessing } : {}),
    ...(fromModel ? { modelFile: fromModel.request, modelFilePath: fromModel.file } : {}),
  };
}

/** The built-in digits or an IDX folder, with the preprocessing's scaling and channel order. */
function openStored(req: DatasetRequest, model: ModelInput, sources: PreprocessingSources): ImageDataset {
  const p = pixelPreprocessing(sources, model, req.data);
  const unit = p.scaling === 'unit' || (p.mean.every((m) => m === 0) && p.std.every((s) => s === 1));
  if (req.data !== BUILTIN_DATASET) return loadDataset(req.data, req.split, model.numClasses, { ...(req.labelsOptional ? { labelsOptional: true } : {}), preprocessing: p });
  const digits = loadBuiltinMnist(req.split);
  if (unit) return digits;
  // The digits are values in [0, 1] (pixels / 255): the scaling applies to them directly.
  const images = digits.images.map((v) => (v - (p.mean[0] as number)) / (p.std[0] as number));
  return { ...digits, images, preprocessing: p };
}

/**
 * Opens the dataset `req` names, checked against `model` before any batch is read: the
 * built-in digits, an IDX folder, an image folder (decoded once into the cache), or a
 * .npy / .npz file. docs/data.md describes every format.
 */
export async function openDataset(req: DatasetRequest, model: ModelInput, opts: OpenDatasetOptions = {}): Promise<ImageDataset> {
  if (req.limit !== undefined && (!Number.isInteger(req.limit) || req.limit < 1)) throw new UsageError(`the limit must be a positive whole number of images, got ${req.limit}`);
  const sources = preprocessingSources(req, model);
  let dataset: ImageDataset;
  const stat = req.data === BUILTIN_DATASET ? undefined : fs.statSync(req.data, { throwIfNoEntry: false });
  if (req.data !== BUILTIN_DATASET && stat === undefined) throw new PruneLensError(`dataset not found (use "${BUILTIN_DATASET}" for the built-in MNIST digits)`, req.data);
  if (stat?.isFile()) {
    if (!/\.np[yz]$/i.test(req.data)) throw new PruneLensError('unknown dataset format: expected a folder (image classes or IDX files), a .npy or a .npz file', req.data);
    dataset = openArrayDataset(req.data, { split: req.split, input: model, numClasses: model.numClasses, preprocessing: sources, ...(req.labelsOptional ? { labelsOptional: true } : {}) });
  } else if (req.data === BUILTIN_DATASET || isIdxFolder(req.data)) {
    dataset = openStored(req, model, sources);
  } else {
    // The sample is taken from the file list, so only the images kept are decoded.
    const folder = await openImageFolder(splitFolder(req.data, req.split), {
      input: model,
      numClasses: model.numClasses,
      preprocessing: sources,
      cacheDir: req.cacheDir ?? defaultCacheDir(),
      ...(req.classesFile !== undefined ? { classesFile: req.classesFile } : {}),
      ...(req.limit !== undefined ? { limit: req.limit } : {}),
      ...(req.labelsOptional ? { labelsOptional: true } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    dataset = folder.dataset;
  }
  if (req.limit !== undefined && req.limit < dataset.count) dataset = subsetDataset(dataset, stratifiedSample(dataset.labels, req.limit), `${req.limit} of ${dataset.count} images`);
  checkDatasetFitsModel(dataset, [model.height, model.width, model.channels], model.numClasses);
  return dataset;
}
