/**
 * What a job may write over. An output path that holds a file of another kind (a results
 * file where ratios go, a model where a results file goes) is refused, so a mistyped path
 * never destroys work.
 */
import { promises as fsp } from 'node:fs';
import { isResultsJson } from '../../shared/vocabulary';
import { UsageError } from '../util/errors';

/** Refuses to write a non-results file over a sensitivity results file. */
export async function refuseResultsFile(file: string, what: string): Promise<void> {
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  if (isResultsJson(value)) throw new UsageError(`is a sensitivity results file; choose another file for ${what}`, file);
}
