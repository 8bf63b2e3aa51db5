/**
 * The one module that reads and writes sensitivity results files (format: src/shared/results.ts,
 * docs/results-format.md).
 *
 * Reading checks everything and fails with the file's name and the JSON path at fault.
 * Writing replaces the file atomically (temp file, flush, rename), so a scan killed at any
 * moment leaves either the previous or the next complete file. A file that does not parse,
 * or parses but is not a PruneLens results file, is never overwritten: the user may have
 * pointed --file at something valuable, and a corrupt results file is evidence worth keeping.
 */
import { promises as fsp } from 'node:fs';
import type { SensitivityResults } from '../../shared/results';
import { RESULTS_FORMAT, RESULTS_VERSION, resultsVersionFor } from '../../shared/results';
import { writeFileAtomic } from '../util/atomicWrite';
import { errorCode, PruneLensError } from '../util/errors';
import { heldLock, withLock } from '../util/fileLock';
import { checkResults, hasResultsFormat, ResultsShapeError } from './resultsCheck';

const LEFT_AS_IS = 'PruneLens leaves it as it is and will not overwrite it; move it away or choose another results file';


const PICKLE = `looks like a Python pickle (PaddleSlim's sensitivities format), not a PruneLens results file; ${LEFT_AS_IS}`;

/** Why `parsed` is not a results file, in words. */
function notResults(parsed: unknown): string {
  const format = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['format'] : undefined;
  const found = typeof format === 'string' ? `"format": ${JSON.stringify(format)}` : 'no "format" field';
  return `is JSON but not a PruneLens sensitivity results file (expected "format": "${RESULTS_FORMAT}", found ${found}); ${LEFT_AS_IS}`;
}

/** Checks `text`, the content of `file`, and returns the results it holds. */
export function parseResults(text: string, file: string): SensitivityResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const why = text.trim() === '' ? 'is empty' : `is not valid JSON (${(err as Error).message})`;
    throw new PruneLensError(`${why}; ${LEFT_AS_IS}`, file);
  }
  if (!hasResultsFormat(parsed)) throw new PruneLensError(notResults(parsed), file);
  const version = (parsed as Record<string, unknown>)['version'];
  if (typeof version === 'number' && version > RESULTS_VERSION) {
    throw new PruneLensError(`was written by a newer PruneLens (results format version ${version}; this one reads version ${RESULTS_VERSION}); ${LEFT_AS_IS}`, file);
  }
  try {
    return checkResults(parsed);
  } catch (err) {
    if (err instanceof ResultsShapeError) throw new PruneLensError(`is not a valid results file: ${err.message}; ${LEFT_AS_IS}`, file);
    throw err;
  }
}

/** The results in `file`, or undefined when there is no such file. */
export async function readResultsIfExists(file: string): Promise<SensitivityResults | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new PruneLensError('is a folder, not a results file', file);
    throw new PruneLensError(`could not read (${(err as Error).message})`, file);
  }
  // A pickle's protocol header starts with byte 0x80, which no JSON text does.
  if (bytes[0] === 0x80) throw new PruneLensError(PICKLE, file);
  return parseResults(bytes.toString('utf8'), file);
}

/** The results in `file`, which must exist (PaddleSlim's `load_sensitivities`). */
export async function loadResults(file: string): Promise<SensitivityResults> {
  const results = await readResultsIfExists(file);
  if (results === undefined) throw new PruneLensError('results file not found', file);
  return results;
}

/** JSON.stringify with the key order and spacing this writer uses, on one line. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether `value` may be written on one line: an object whose fields are all plain values
 * or such arrays (a point, a group, a FLOPs term), or an array of such things. An object
 * holding objects (a table of points) gets one line per entry instead.
 */
function inlinable(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(inlinable);
  if (isPlainObject(value)) return Object.values(value).every((v) => !isPlainObject(v) && inlinable(v));
  return true;
}

/** Longest line an inlinable value is kept on; longer ones are spread over lines. */
const INLINE_WIDTH = 160;

function pretty(value: unknown, indent: string): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const flat = inline(value);
  if (inlinable(value) && flat.length + indent.length <= INLINE_WIDTH) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${pretty(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n')}\n${indent}}`;
}

function byRatio(table: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).sort(([a], [b]) => Number(a) - Number(b)));
}

/**
 * The file's text: indented JSON with one point per line, points in ratio order and the
 * top-level fields in a fixed order, so files diff well and read well.
 */
export function formatResults(results: SensitivityResults): string {
  const ordered = {
    format: results.format,
    version: resultsVersionFor(results.points),
    metadata: results.metadata,
    params: results.params,
    groups: results.groups,
    points: Object.fromEntries(Object.entries(results.points).map(([id, table]) => [id, byRatio(table)])),
    flops: results.flops,
  };
  return `${pretty(ordered, '')}\n`;
}

async function replaceChecked(file: string, results: SensitivityResults): Promise<void> {
  await readResultsIfExists(file);
  await writeFileAtomic(file, formatResults(results));
}

/**
 * Replaces `file` with `results`, atomically, under the file's lock (src/core/util/fileLock.ts):
 * the one this process holds, checked to be still its own, or one taken for this write
 * alone (refused at once if another process holds it). If something is already there it
 * must be a results file: anything else (corrupt, foreign, a newer format) is refused and
 * left byte-identical. The checks cost two reads of small files per write, and also catch
 * a file that was replaced by something else while a long scan ran.
 */
export async function writeResults(file: string, results: SensitivityResults): Promise<void> {
  const lock = await heldLock(file);
  if (lock === undefined) return withLock(file, { wait: false }, () => replaceChecked(file, results));
  await lock.verify();
  await replaceChecked(file, results);
}
