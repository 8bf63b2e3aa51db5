/**
 * The prunelens.json of a model PruneLens writes (trained, fine-tuned, pruned): the
 * preprocessing its source model stated, with what the user asked for on top, so that the
 * written model is evaluated, scanned and fine-tuned on images prepared as it was trained
 * on without anyone repeating the flags. A model whose preprocessing nothing stated gets no
 * file (the defaults apply to it as to its source).
 */
import * as path from 'node:path';
import { combinedRequest, MODEL_CONFIG_FILE, type PreprocessingRequest } from '../../shared/preprocessing';
import { readModelPreprocessing } from '../data/preprocess';
import { writeFileAtomic } from '../util/atomicWrite';
import { modelDirOf } from './open';

/** The preprocessing a model written from `model` (a path, or zoo:NAME) should state, if any. */
export function writtenPreprocessing(model: string, request: PreprocessingRequest | undefined): PreprocessingRequest | undefined {
  const dir = modelDirOf(model);
  return combinedRequest(request, dir === undefined ? undefined : readModelPreprocessing(dir)?.request);
}

/** Writes `dir`/prunelens.json stating `preprocessing`; nothing when it is undefined. Returns the file written. */
export async function writeModelConfig(dir: string, preprocessing: PreprocessingRequest | undefined): Promise<string | undefined> {
  if (preprocessing === undefined) return undefined;
  const file = path.join(dir, MODEL_CONFIG_FILE);
  await writeFileAtomic(file, `${JSON.stringify({ preprocessing }, null, 2)}\n`);
  return file;
}
