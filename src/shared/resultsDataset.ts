/**
 * The dataset a results file was measured on, as a job spec names one: the spec and split
 * of its label ("builtin:test"), and the preprocessing it recorded. Jobs that go back to
 * the scan's data (extending a scan, measuring the combined pruning) start from here, so
 * the images are read the same way as when the points were measured.
 */
import type { DatasetOptions } from './jobs';
import type { Preprocessing, PreprocessingRequest } from './preprocessing';
import type { ResultsMetadata } from './results';
import { parseDatasetLabel, type Split } from './vocabulary';

/** The request that resolves back to a recorded preprocessing. */
export function preprocessingRequestOf(p: Preprocessing): PreprocessingRequest {
  const scaling = p.scaling === 'custom' ? { mean: p.mean, std: p.std } : { scaling: p.scaling };
  return { ...(p.resize !== undefined ? { resize: p.resize } : {}), channels: p.channels, ...scaling };
}

export function datasetOfResults(metadata: ResultsMetadata): { dataset: string; split: Split; datasetOptions?: DatasetOptions } {
  const { spec, split } = parseDatasetLabel(metadata.dataset.spec);
  const recorded = metadata.dataset.preprocessing;
  return { dataset: spec, split, ...(recorded !== undefined ? { datasetOptions: { preprocessing: preprocessingRequestOf(recorded) } } : {}) };
}
