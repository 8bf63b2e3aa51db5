/**
 * The preprocessing in force for a dataset: the user's request, a model folder's
 * prunelens.json, the defaults (src/shared/preprocessing.ts), and what each kind of data
 * can honour. Image files honour all of it. Stored 8-bit pixels (IDX files, uint8 arrays)
 * are used at their stored size, so a resize asked for on the command line is refused
 * (one from prunelens.json is for image files and is left out). Float arrays are taken as
 * model-ready values: asking for a scaling or a channel order for them is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_CONFIG_FILE, PreprocessingError, parseModelConfig, resolvePreprocessing, type InputSize, type Preprocessing, type PreprocessingRequest } from '../../shared/preprocessing';
import { PruneLensError, UsageError, errorText } from '../util/errors';

/** Where a preprocessing comes from: the user's request (options) and the model's own file. */
export interface PreprocessingSources {
  readonly request?: PreprocessingRequest;
  /** The "preprocessing" of the model's prunelens.json, if it has one. */
  readonly modelFile?: PreprocessingRequest;
  /** That file, for messages. */
  readonly modelFilePath?: string;
}

/**
 * The "preprocessing" of the prunelens.json in `modelDir` (the folder of a model.json), or
 * undefined when there is none. A file that is there but wrong is an error naming it.
 */
export function readModelPreprocessing(modelDir: string): { request: PreprocessingRequest; file: string } | undefined {
  const file = path.join(modelDir, MODEL_CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PruneLensError(`cannot read file (${errorText(e)})`, file);
  }
  try {
    const config = parseModelConfig(JSON.parse(text));
    return config.preprocessing === undefined ? undefined : { request: config.preprocessing, file };
  } catch (e) {
    throw new PruneLensError(e instanceof SyntaxError ? `is not valid JSON (${e.message})` : errorText(e), file);
  }
}

function resolve(request: PreprocessingRequest | undefined, sources: PreprocessingSources, input: InputSize): Preprocessing {
  try {
    return resolvePreprocessing(request, sources.modelFile, input);
  } catch (e) {
    if (!(e instanceof PreprocessingError)) throw e;
    // Blame the model's file when the user asked for nothing that could clash with it, and
    // mention it when the clash may be between the two.
    if (sources.modelFilePath === undefined || sources.modelFile === undefined) throw new UsageError(e.message);
    if (!hasAny(request)) throw new PruneLensError(e.message, sources.modelFilePath);
    throw new UsageError(`${e.message} (the options together with ${sources.modelFilePath})`);
  }
}

function hasAny(r: PreprocessingRequest | undefined): boolean {
  return r !== undefined && Object.values(r).some((v) => v !== undefined);
}

/** For image files: everything applies. */
export function imagePreprocessing(sources: PreprocessingSources, input: InputSize): Preprocessing {
  return resolve(sources.request, sources, input);
}

/** For stored 8-bit pixels (IDX, uint8 arrays) of `file`: no resize. */
export function pixelPreprocessing(sources: PreprocessingSources, input: InputSize, file: string): Preprocessing {
  if (sources.request?.resize !== undefined) throw new UsageError(`${file}: arrays and IDX files are used at their stored size; --resize applies to image files`);
  const modelFile = sources.modelFile === undefined ? undefined : { ...sources.modelFile, resize: undefined };
  return resolve(sources.request, { ...sources, ...(modelFile ? { modelFile } : {}) }, input);
}

/** For float arrays: refuses any stated scaling or channel order (the values are used as stored). */
export function checkFloatsAsStored(sources: PreprocessingSources, file: string): void {
  if (hasAny(sources.request)) {
    throw new UsageError(`${file}: holds float32 values, which are used as stored; --preprocess, --mean, --std, --channels and --resize apply to 8-bit pixels (save uint8, or scale before saving)`);
  }
}
