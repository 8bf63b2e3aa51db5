/**
 * Sensitivity analysis: the scan (PaddleSlim's `sensitivity`), the results file and its
 * checks (`load_sensitivities`), merging (`merge_sensitive`), metrics, fingerprints, the
 * FLOPs model for estimates, and plots. Ratio selection (`get_ratios_by_loss` and the
 * FLOPs-target bisection) is pure and lives in src/shared/ratios.ts, where the webview
 * uses it too. See docs/results-format.md; the engines that measure points:
 * docs/sensitivity-engines.md.
 */
export { sensitivity, type PointEvent, type SensitivityOptions } from './scan';
export { DEFAULT_RATIOS } from './scanState';
export { formatResults, loadResults, parseResults, readResultsIfExists, writeResults } from './resultsFile';
export { mergeResultFiles, mergeResults, type MergeOptions, type MergeOutcome } from './merge';
export { argmaxRow, datasetMetric, predictedClasses, type MetricFn, type MetricOptions } from './metrics';
export { isScanEngine, metricFnEngine, type GroupEvaluation, type PlannedPoint, type ScanEngine } from './scanEngine';
export { createFastEngine, DEFAULT_CACHE_BYTES, type FastEngine, type FastEngineOptions } from '../fast/fastEngine';
export { datasetFingerprint, datasetIdentity } from './fingerprint';
export { buildFlopsModel } from './flopsModel';
export { sensitivityPlotSvg, type PlotOptions, type PlotPanels } from './plot';
export { ratiosByLoss, ratiosForFlopsTarget, sensitivitiesOf } from '../../shared/ratios';
export { ratiosFileFor } from '../../shared/ratiosFile';
