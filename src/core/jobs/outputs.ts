/**
 * What a job may write over. No command replaces a file it did not create for the same
 * purpose: an output path that exists must hold what the job writes there (a ratios file
 * where ratios go, a plot where a plot goes, a results file among a merge's inputs), or the
 * user says --overwrite. A sensitivity results file is never replaced by anything else,
 * --overwrite or not: its points cost hours to measure. Every check runs before the work.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { RATIOS_FORMAT } from '../../shared/ratiosFile';
import { isResultsJson } from '../../shared/vocabulary';
import { resolveWriteTarget } from '../util/atomicWrite';
import { errorText, PruneLensError, UsageError } from '../util/errors';
import { checkNameLength } from '../util/names';
import { PLOT_MARK } from '../sensitivity/plot';

/** What an output file is for: a ratios file, an SVG plot, or a results file (merge). */
export type OutputKind = 'ratios' | 'plot' | 'results';

const KIND_WORDS: Readonly<Record<OutputKind, string>> = { ratios: 'the ratios', plot: 'the plot', results: 'the merged results' };

/** Enough of a file to tell what it is without reading a large one whole. */
const SNIFF_BYTES = 1 << 20;

async function head(file: string): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** What `text` is, as far as PruneLens can tell. */
function classify(text: string): OutputKind | 'model' | 'other' {
  if (text.includes(PLOT_MARK)) return 'plot';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'other';
  }
  if (isResultsJson(value)) return 'results';
  if (typeof value !== 'object' || value === null) return 'other';
  const record = value as Record<string, unknown>;
  if (record['format'] === RATIOS_FORMAT) return 'ratios';
  if (record['modelTopology'] !== undefined) return 'model';
  return 'other';
}

const FOUND_WORDS = { ratios: 'a ratios file', plot: 'a PruneLens plot', results: 'a sensitivity results file', model: 'a TF.js model', other: 'a file PruneLens did not write for this' };

/** The nearest folder of `file` that exists must be a folder this process may write into. */
async function checkParent(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  let stat;
  try {
    stat = await fsp.stat(dir);
  } catch {
    throw new UsageError(`the folder ${dir} does not exist`, file);
  }
  if (!stat.isDirectory()) throw new UsageError(`${dir} is not a folder`, file);
  try {
    await fsp.access(dir, fsp.constants.W_OK);
  } catch (err) {
    throw new PruneLensError(`cannot write into ${dir} (${errorText(err)})`, file);
  }
}

export interface OutputFileOptions {
  readonly overwrite?: boolean;
  /** The job's input files: a merge may write over one of them. */
  readonly inputs?: readonly string[];
}

/**
 * Refuses an output path a job must not write (see the module comment), before the job does
 * any work; an absent path is fine when its folder exists and is writable.
 */
export async function checkOutputFile(file: string, kind: OutputKind, opts: OutputFileOptions = {}): Promise<void> {
  checkNameLength(file, 'output file');
  const real = await resolveWriteTarget(file);
  let stat;
  try {
    stat = await fsp.stat(real);
  } catch {
    return checkParent(real);
  }
  if (stat.isDirectory()) throw new UsageError(`is a folder; give a file for ${KIND_WORDS[kind]}`, file);
  const found = classify(await head(real).catch(() => ''));
  if (found === 'results' && kind !== 'results') throw new UsageError(`is a sensitivity results file; choose another file for ${KIND_WORDS[kind]}`, file);
  if (found === kind && kind !== 'results') return;
  if (kind === 'results' && found === 'results') {
    const inputs = await Promise.all((opts.inputs ?? []).map((f) => resolveWriteTarget(f)));
    if (inputs.includes(real) || opts.overwrite) return;
    throw new UsageError('holds sensitivity results that are not among the inputs, and merging would replace them; add it to the inputs to keep its points, or --overwrite', file);
  }
  if (opts.overwrite) return;
  throw new UsageError(`exists and is ${FOUND_WORDS[found]}, not ${kind === 'results' ? 'a results file' : FOUND_WORDS[kind]}; choose another file for ${KIND_WORDS[kind]}, or --overwrite to replace it`, file);
}
