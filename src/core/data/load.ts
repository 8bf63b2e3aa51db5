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
import { readIdxDataset } from './idx';

export const BUILTIN_DATASET = 'builtin';

const FILE_STEMS: Record<BuiltinSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

function findFile(dir: string, stem: string): string {
  for (const name of [stem, `${stem}.gz`, stem.replace(/-(idx\d)-/, '.$1-'), `${stem.replace(/-(idx\d)-/, '.$1-')}.gz`]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new PruneLensError(`no ${stem} (or ${stem}.gz) in this folder`, dir);
}

export function loadDataset(spec: string, split: BuiltinSplit, numClasses = 10): ImageDataset {
  if (spec === BUILTIN_DATASET) return loadBuiltinMnist(split);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec);
  } catch {
    throw new PruneLensError(`dataset folder not found (use "${BUILTIN_DATASET}" for the built-in MNIST digits)`, spec);
  }
  if (!stat.isDirectory()) throw new PruneLensError('expected a folder of MNIST-format IDX files', spec);
  const stems = FILE_STEMS[split];
  return readIdxDataset(findFile(spec, stems.images), findFile(spec, stems.labels), { numClasses });
}
