/**
 * A sensitivity job in a worker: the core's scan on the results file, or on this worker's
 * shard of it. The server has already filled the spec from the file's metadata where it
 * left fields out (src/server/jobSpecs.ts), so "extend ratios" and "re-run" arrive here as
 * complete specs like a first analysis.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { convParams } from '../../core/models/naming';
import { CRITERIA, type Criterion } from '../../core/pruning';
import { datasetIdentity } from '../../core/sensitivity/fingerprint';
import { createFastEngine } from '../../core/fast/fastEngine';
import { readResultsIfExists } from '../../core/sensitivity/resultsFile';
import { sensitivity } from '../../core/sensitivity/scan';
import { UsageError } from '../../core/util/errors';
import type { JobResult, SensitivityJobSpec } from '../../shared/protocol';
import { isMeasured, type SensitivityResults } from '../../shared/results';
import { datasetLabel } from '../datasetLabel';
import type { Post, WorkerEnv } from '../workerProtocol';
import { shardShare, type ShardTask } from '../../core/sensitivity/shards';
import { openData, openModel, recordedModelPath } from './common';

/** A text filter as the CLI takes it: a substring, or a regular expression written /like this/. */
export function filterOf(text: string): string | RegExp {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (regex === null) return text;
  try {
    return new RegExp(regex[1] as string, regex[2]);
  } catch (err) {
    throw new UsageError(`parameter filter ${text}: ${(err as Error).message}`);
  }
}

function requestedParams(model: tf.LayersModel, spec: SensitivityJobSpec): string[] {
  const named = spec.params ?? [];
  const filtered = spec.paramFilter ? convParams(model, filterOf(spec.paramFilter)).map((p) => p.name) : [];
  if (spec.paramFilter && filtered.length === 0 && named.length === 0) throw new UsageError(`no conv parameter matches "${spec.paramFilter}"`);
  return [...new Set([...named, ...filtered])];
}

function summary(results: SensitivityResults, file: string): string {
  const points = Object.values(results.points).flatMap((t) => Object.values(t));
  const measured = points.filter(isMeasured).length;
  const skipped = points.length - measured;
  return `${measured} points measured${skipped > 0 ? `, ${skipped} skipped by early stop` : ''} in ${path.basename(file)} (baseline ${results.metadata.metric} ${results.metadata.baseline})`;
}

export async function runSensitivity(spec: SensitivityJobSpec, shard: ShardTask | undefined, env: WorkerEnv, post: Post): Promise<JobResult> {
  if (spec.model === undefined) throw new UsageError('no model given, and the results file does not name one', spec.file);
  const criterion = spec.criterion ?? 'l1_norm';
  if (!(CRITERIA as readonly string[]).includes(criterion)) throw new UsageError(`unknown criterion '${criterion}'; known: ${CRITERIA.join(', ')}`);
  const metric = spec.metric ?? 'top1';
  const split = spec.split ?? 'test';
  const dataSpec = spec.dataset ?? 'builtin';
  const model = await openModel(spec.model);
  const dataset = await openData(dataSpec, split, model, spec.model);
  let params = requestedParams(model, spec);
  let file = spec.file;
  if (shard !== undefined) {
    params = await shardShare(model, params, await readResultsIfExists(spec.file), shard);
    file = shard.file;
    if (params.length === 0 && !fs.existsSync(file)) return { summary: `worker ${shard.index} of ${shard.count} had nothing to measure`, outputs: [] };
  }
  // Workers share the machine with their siblings and the editor: idle ONNX Runtime threads
  // yield their core rather than spin on it.
  const engine = await createFastEngine(model, dataset, { metric, providers: env.providers, allowSpinning: false, ...(env.threads !== undefined ? { intraOpThreads: env.threads } : {}) });
  post({ type: 'log', text: `${file}: ${params.length} parameter(s) on ${dataset.count} ${split} images (${metric}, ${criterion})` });
  let results: SensitivityResults;
  try {
    results = await sensitivity(model, params, engine, {
      file,
      dataset: datasetIdentity(dataset, datasetLabel(dataSpec, split)),
      metric,
      criterion: criterion as Criterion,
      modelPath: recordedModelPath(spec.model),
      ...(spec.ratios !== undefined ? { ratios: spec.ratios } : {}),
      ...(spec.earlyStopLoss !== undefined ? { earlyStopLoss: spec.earlyStopLoss } : {}),
      ...(spec.force ? { force: true } : {}),
      ...(shard !== undefined ? { shard: { index: shard.index, count: shard.count } } : {}),
      onPoint: (e) => post({ type: 'point', file, group: e.group, params: e.params, ratio: e.ratio, point: e.point, done: e.done, total: e.total }),
      onProgress: (e) => post({ type: 'progress', stage: e.stage, done: e.done, total: e.total }),
    });
  } finally {
    engine.release();
  }
  return { summary: summary(results, spec.file), outputs: [spec.file] };
}
