/**
 * What a set of ratios costs together. PaddleSlim picks each layer's ratio from that
 * layer's own loss curve; pruning them all at once costs more than any one of them
 * (measured on the demo's model: 1% per layer took top-1 from 86.7% to 73.4%). Here the
 * model is pruned with every ratio and evaluated once on the data the scan measured on,
 * beside the unpruned model: the measured metric and loss, not an estimate.
 */
import * as path from 'node:path';
import type { DatasetOptions } from '../../shared/jobs';
import type { ParamRatios } from '../../shared/ratios';
import type { CombinedEvaluation } from '../../shared/ratiosFile';
import type { SensitivityResults } from '../../shared/results';
import { datasetOfResults } from '../../shared/resultsDataset';
import { ZOO_PREFIX, type MetricName } from '../../shared/vocabulary';
import type { ModelHandle } from '../models/modelHandle';
import { planPruning, type DependencyGraph } from '../pruning';
import { handleMetric } from '../sensitivity/metrics';
import { PruneLensError } from '../util/errors';
import type { JobContext } from './context';
import { engineFor } from './engines';
import { openData, openModel } from './open';

export interface CombinedEvaluator {
  readonly metric: MetricName;
  readonly baseline: number;
  /** The pruned model's metric and loss for these ratios, and the per-layer threshold they came from. */
  measure(ratios: Readonly<ParamRatios>, threshold: number): Promise<CombinedEvaluation>;
  release(): void;
}

/** The model a results file was measured on: its recorded path (relative ones beside the file), or zoo:NAME. */
export function modelOfResults(results: SensitivityResults, file: string): string {
  const recorded = results.metadata.model.path;
  if (recorded === undefined) throw new PruneLensError('does not say which model it was measured on; give the model', file);
  return recorded.startsWith(ZOO_PREFIX) || path.isAbsolute(recorded) ? recorded : path.resolve(path.dirname(file), recorded);
}

export interface CombinedSource {
  /** The model measured (default: the one the results file names); refused if it is another unless `force`. */
  readonly model?: string;
  /** The data to measure on (default: the scan's, as the results file records it). */
  readonly dataset?: string;
  readonly datasetOptions?: DatasetOptions;
  readonly force?: boolean;
}

/** Opens the model and the scan's data once, and measures the unpruned model. */
export async function openCombinedEvaluator(results: SensitivityResults, file: string, source: CombinedSource, ctx: JobContext): Promise<CombinedEvaluator> {
  const meta = results.metadata;
  const modelSpec = source.model ?? modelOfResults(results, file);
  const model = await openModel({ model: modelSpec });
  if (model.fingerprint() !== meta.model.fingerprint && source.force !== true) {
    throw new PruneLensError(`is not the model ${file} was measured on (fingerprints differ); --force measures it anyway`, modelSpec);
  }
  const recorded = datasetOfResults(meta);
  const spec = source.dataset ?? recorded.dataset;
  const options = source.dataset !== undefined ? source.datasetOptions : (source.datasetOptions ?? recorded.datasetOptions);
  const data = await openData(spec, options, recorded.split, model, { model: modelSpec }, { labelsOptional: meta.metric === 'agreement', ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const engine = engineFor(model, 'ort', (line) => ctx.events.log(line));
  const evaluate: (m: ModelHandle) => Promise<number> = handleMetric(model, data, {
    metric: meta.metric,
    engine,
    providers: ctx.env.providers ?? ['cpu'],
    ...(ctx.env.threads !== undefined ? { intraOpThreads: ctx.env.threads } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const graph: DependencyGraph = model.dependencyGraph();
  ctx.events.progress({ stage: 'measure the unpruned model', done: 0, total: 1 });
  const baseline = await evaluate(model);
  if (!(baseline > 0)) throw new PruneLensError(`the unpruned model's ${meta.metric} on ${spec} is ${baseline}; a loss relative to it is undefined`);
  return {
    metric: meta.metric,
    baseline,
    async measure(ratios, threshold) {
      const pruned = model.prune(planPruning(model, graph, ratios, { criterion: meta.criterion }));
      try {
        const metric = await evaluate(pruned);
        return { threshold, metric, loss: (baseline - metric) / baseline };
      } finally {
        pruned.dispose();
      }
    },
    release: () => model.dispose(),
  };
}
