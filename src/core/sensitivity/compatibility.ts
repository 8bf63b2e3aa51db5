/**
 * Whether two sets of points measure the same thing: same model (topology and weights),
 * same dataset, same metric, same pruning criterion. Losses that differ in any of these are
 * not comparable, so the scan refuses to extend such a file and merge refuses to mix such
 * files, unless forced.
 */
import type { ResultsMetadata } from '../../shared/results';

/** The fields of the metadata that decide comparability. */
export type MeasurementIdentity = Pick<ResultsMetadata, 'model' | 'dataset' | 'metric' | 'criterion'>;

interface Field {
  readonly what: string;
  readonly of: (m: MeasurementIdentity) => string;
  readonly short?: boolean;
}

const FIELDS: readonly Field[] = [
  { what: 'model', of: (m) => m.model.fingerprint, short: true },
  { what: 'dataset', of: (m) => m.dataset.fingerprint, short: true },
  { what: 'metric', of: (m) => m.metric },
  { what: 'pruning criterion', of: (m) => m.criterion },
];

function show(field: Field, value: string): string {
  return field.short ? `fingerprint ${value.slice(0, 12)}...` : value;
}

/**
 * Each way `a` and `b` differ, as "model (fingerprint 1a2b... vs 3c4d...)"; `aName` and
 * `bName` say whose value is whose in the wording the caller wants.
 */
export function measurementDifferences(a: MeasurementIdentity, b: MeasurementIdentity, aName: string, bName: string): string[] {
  return FIELDS.filter((f) => f.of(a) !== f.of(b)).map((f) => `different ${f.what}: ${show(f, f.of(a))} in ${aName}, ${show(f, f.of(b))} in ${bName}`);
}
