/**
 * Reading pruning ratios from a file: a JSON object {param: ratio}, or {"ratios": {...}}
 * with other keys beside it (the form `prunelens ratios` writes, with its metadata).
 * Range checks happen in planPruning, which every caller goes through.
 */
import { promises as fsp } from 'node:fs';
import { RESULTS_FORMAT } from '../../shared/vocabulary';
import { UsageError } from '../util/errors';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ratios in `value` (parsed JSON); `file` names the source in errors. */
export function ratiosFromJson(value: unknown, file: string): Record<string, number> {
  // The likeliest mistake: the scan's results given where its ratios belong.
  if (isObject(value) && value['format'] === RESULTS_FORMAT) {
    throw new UsageError(`is a sensitivity results file, not ratios: take ratios from it first, e.g. prunelens ratios ${file} --loss 0.01 -o ratios.json, then --ratios ratios.json`, file);
  }
  const table = isObject(value) && isObject(value['ratios']) ? value['ratios'] : value;
  if (!isObject(table)) throw new UsageError('expected a JSON object {param: ratio} or {"ratios": {param: ratio}}', file);
  const ratios: Record<string, number> = {};
  for (const [param, ratio] of Object.entries(table)) {
    if (typeof ratio !== 'number') throw new UsageError(`the ratio for '${param}' is not a number: ${JSON.stringify(ratio)}`, file);
    ratios[param] = ratio;
  }
  if (Object.keys(ratios).length === 0) throw new UsageError('no ratios in the file', file);
  return ratios;
}

export async function readRatiosFile(file: string): Promise<Record<string, number>> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ratios file (${err instanceof Error ? err.message : String(err)})`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the ratios file is not JSON (${err instanceof Error ? err.message : String(err)})`, file);
  }
  return ratiosFromJson(value, file);
}
