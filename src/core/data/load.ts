/**
 * Resolves a dataset spec, as the CLI and the extension pass it, into a dataset:
 * "builtin" (the shipped MNIST digits) or a folder of MNIST-format IDX files named like the
 * original distribution (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each optionally gzipped as .gz).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PruneLensError } from '../util/errors';
import { loadBuiltinMnist, type BuiltinSplit } from './builtin';
import type { ImageDataset } from './dataset';
import { readIdxDataset, readIdxImages } from './idx';

export const BUILTIN_DATASET = 'builtin';

const FILE_STEMS: Record<BuiltinSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

function findFileIfAny(dir: string, stem: string): string | undefined {
  for (const name of [stem, `${stem}.gz`, stem.replace(/-(idx\d)-/, '.$1-'), `${stem.replace(/-(idx\d)-/, '.$1-')}.gz`]) {
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
}

export function loadDataset(spec: string, split: BuiltinSplit, numClasses = 10, opts: LoadDatasetOptions = {}): ImageDataset {
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
  const labels = opts.labelsOptional ? findFileIfAny(spec, stems.labels) : findFile(spec, stems.labels, ' (without labels, use the label-free metric: --metric agreement)');
  return labels === undefined ? readIdxImages(images, { numClasses }) : readIdxDataset(images, labels, { numClasses });
}
