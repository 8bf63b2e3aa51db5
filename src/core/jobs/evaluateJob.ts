/**
 * The evaluate job: the seed's test(), top-1 and top-5 accuracy over a whole split, on
 * ONNX Runtime (default) or TF.js.
 */
import { formatPercent } from '../../shared/format';
import type { EvaluateJobSpec, JobResult } from '../../shared/jobs';
import type { EvalEngineName } from '../../shared/vocabulary';
import { DEFAULT_BATCH_SIZE } from '../../shared/vocabulary';
import { checkDatasetFitsModel } from '../data/batches';
import type { ImageDataset } from '../data/dataset';
import { evaluate, type EvaluationResult } from '../eval/evaluate';
import type { ModelHandle } from '../models/modelHandle';
import type { JobContext } from './context';
import { engineFor } from './engines';
import { openData, openModel } from './open';

/** Evaluates an open model as the job does. */
export async function evaluateModel(model: ModelHandle, data: ImageDataset, engine: EvalEngineName, batchSize: number, ctx: JobContext): Promise<EvaluationResult> {
  // Every engine checks the data before its first batch, whoever opened it.
  const input = model.input();
  checkDatasetFitsModel(data, [input.height, input.width, input.channels], input.numClasses);
  const opts = { batchSize, onProgress: ctx.events.progress.bind(ctx.events), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const { predict, release } = await model.openPredictor(engine, { providers: ctx.env.providers ?? ['cpu'], ...(ctx.env.threads !== undefined ? { intraOpThreads: ctx.env.threads } : {}) });
  try {
    return await evaluate(predict, data, opts);
  } finally {
    await release();
  }
}

/** The seed's line for a test() result. */
export function finalEvalLine(r: Pick<EvaluationResult, 'top1' | 'top5'>): string {
  return `Final eval - acc_top1: ${formatPercent(r.top1)}; acc_top5: ${formatPercent(r.top5)}`;
}

export async function evaluateJob(spec: EvaluateJobSpec, ctx: JobContext): Promise<JobResult> {
  const model = await openModel(spec);
  const split = spec.split ?? 'test';
  const data = await openData(spec.dataset, spec.datasetOptions, split, model, spec, { onProgress: (e) => ctx.events.progress(e), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const start = performance.now();
  const engine = engineFor(model, spec.engine ?? 'ort', (line) => ctx.events.log(line));
  const r = await evaluateModel(model, data, engine, spec.batchSize ?? DEFAULT_BATCH_SIZE, ctx);
  const secs = (performance.now() - start) / 1000;
  return {
    summary: `top-1 ${formatPercent(r.top1)}, top-5 ${formatPercent(r.top5)} over ${r.count} ${split} images`,
    details: [`${finalEvalLine(r)}  (${r.count} images, ${(r.count / secs).toFixed(0)} img/s)`],
    outputs: [],
    metrics: { top1: r.top1, top5: r.top5, count: r.count },
  };
}
