/**
 * Parsing what users type into input boxes: ratio lists, loss thresholds, FLOPs targets,
 * counts and file names. Each parser returns the value or a message to show inline under
 * the box while the user types. No `vscode` import, so the rules are unit-tested in Node.
 */
import { normaliseRatio } from '../shared/results';

/** A value, with an optional note to show under the box (e.g. how many things match), or an error. */
export type Parsed<T> = { readonly value: T; readonly error?: undefined; readonly note?: string } | { readonly value?: undefined; readonly error: string; readonly note?: undefined };

/** "0.1", "10%" -> 0.1; undefined for text that is not a number. */
function fraction(text: string): number | undefined {
  const t = text.trim();
  const percent = t.endsWith('%');
  const body = percent ? t.slice(0, -1).trim() : t;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(body)) return undefined;
  const n = Number(body);
  return percent ? n / 100 : n;
}

/** Pruning ratios separated by commas or spaces, each in (0, 1); "10%" means 0.1. Sorted, duplicates merged. */
export function parseRatioList(text: string): Parsed<number[]> {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  if (parts.length === 0) return { error: 'give at least one ratio, e.g. 0.1, 0.2, 0.3' };
  const ratios: number[] = [];
  for (const part of parts) {
    const r = fraction(part);
    if (r === undefined) return { error: `"${part}" is not a number` };
    if (!(r > 0 && r < 1)) return { error: `${part} is not a ratio between 0 and 1 (both excluded)` };
    const normalised = normaliseRatio(r);
    if (normalised <= 0 || normalised >= 1) return { error: `${part} rounds to ${normalised} at 4 decimals` };
    ratios.push(normalised);
  }
  return { value: [...new Set(ratios)].sort((a, b) => a - b) };
}

/** A loss threshold in [0, 1]: 0.01 or 1% for "lose at most 1% of the metric". */
export function parseLossThreshold(text: string): Parsed<number> {
  const t = fraction(text);
  if (t === undefined) return { error: 'a loss threshold is a number such as 0.01 (or 1%)' };
  if (t < 0 || t > 1) return { error: 'a loss threshold lies between 0 and 1 (0% and 100%)' };
  return { value: t };
}

/** The share of FLOPs to remove, in (0, 1): 0.5 or 50%. */
export function parseFlopsTarget(text: string): Parsed<number> {
  const t = fraction(text);
  if (t === undefined) return { error: 'the FLOPs target is a share such as 0.5 (or 50%)' };
  if (!(t > 0 && t < 1)) return { error: 'the FLOPs target lies strictly between 0 and 1 (0% and 100%)' };
  return { value: t };
}

/** A whole number in [min, max]. */
export function parseCount(text: string, min: number, max: number, what: string): Parsed<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { error: `${what} is a whole number` };
  const n = Number(t);
  if (n < min || n > max) return { error: `${what} must be from ${min} to ${max}` };
  return { value: n };
}

/** An optional positive number; empty text gives null, "the default". */
export function parseOptionalPositive(text: string, what: string): Parsed<number | null> {
  if (text.trim() === '') return { value: null };
  const n = fraction(text);
  if (n === undefined || !(n > 0)) return { error: `${what} must be a positive number, or empty for the default` };
  return { value: n };
}

/** A relative or absolute path of a JSON file. */
export function parseJsonFileName(text: string): Parsed<string> {
  const t = text.trim();
  if (t === '') return { error: 'give a file name' };
  if (!t.toLowerCase().endsWith('.json')) return { error: 'the file name must end in .json' };
  return { value: t };
}

/** The ratios of `wanted` that `measured` does not hold yet, for the Extend Ratios prompt. */
export function newRatios(wanted: readonly number[], measured: readonly number[]): number[] {
  const have = new Set(measured.map(normaliseRatio));
  return wanted.filter((r) => !have.has(normaliseRatio(r)));
}

/**
 * The conv kernels a parameter filter picks: text the name contains, or `/a regex/flags`.
 * Says how many match (shown under the box as the user types), and what is wrong with a
 * regex that does not compile or a filter that matches nothing.
 */
export function filterParams<T extends { readonly name: string }>(params: readonly T[], filter: string): Parsed<T[]> {
  const text = filter.trim();
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  let found: T[];
  if (regex === null) {
    found = params.filter((p) => p.name.includes(text));
  } else {
    let re: RegExp;
    try {
      re = new RegExp(regex[1] as string, regex[2]);
    } catch (err) {
      return { error: `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
    }
    found = params.filter((p) => re.test(p.name));
  }
  if (found.length === 0) return { error: `no conv kernel of the ${params.length} matches` };
  return { value: found, note: `${found.length} of ${params.length} conv kernels match` };
}

/**
 * The message for a merge the server refused because the files are not comparable, for
 * people who can press Merge Anyway (not type a flag): the conflicts without the CLI's
 * advice. Undefined for any other failure.
 */
export function mergeRefusal(error: string | undefined): string | undefined {
  if (error === undefined || !/not comparable/.test(error)) return undefined;
  const conflicts = error
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('(--force'));
  return `These files were measured differently, so their losses are not comparable: ${conflicts.join('; ')}. Merge Anyway keeps the last file's description.`;
}
