/**
 * The sensitivity job in one process: the core's scan of a results file, or of one shard of
 * it (spec.shard). A scan split over worker processes runs this once per shard
 * (shardedScan.ts). The spec arrives complete: a front end that resumes or extends a file
 * has already filled what it left out from the file's metadata.
 */
import * as fs from 'node:fs';
import type { JobResult, SensitivityJobSpec } from '../../shared/jobs';
import type { ShardPlan } from '../../shared/results';
import { BUILTIN_DATASET, datasetLabel, DEFAULT_BATCH_SIZE, DEFAULT_CRITERION, DEFAULT_QUICK_PRECISION, DEFAULT_RATIOS, parseParamFilter, QUICK_CONFIDENCE } from '../../shared/vocabulary';
import { createFastEngine } from '../fast/fastEngine';
import type { ModelHandle } from '../models/modelHandle';
import { analysableParams } from '../models/naming';
import type { QuickRule } from '../sensitivity/quickPoint';
import { datasetIdentity } from '../sensitivity/fingerprint';
import { handleMetric } from '../sensitivity/metrics';
import { readResultsIfExists } from '../sensitivity/resultsFile';
import { sensitivity } from '../sensitivity/scan';
import { perPointEngine, type ScanEngine } from '../sensitivity/scanEngine';
import { planShardShare } from '../sensitivity/shardShare';
import { describeShare } from '../sensitivity/shardPlan';
import { shardFile, type ShardTask } from '../sensitivity/shards';
import { UsageError } from '../util/errors';
import { withLock } from '../util/fileLock';
import { checkNameLength } from '../util/names';
import type { JobContext } from './context';
import { engineFor } from './engines';
import { lockOptions } from './locking';
import { openData, openModel, recordedModelPath, requireModel } from './open';
import { scanResult } from './results';
import { counted } from '../../shared/format';

/**
 * The conv params a spec asks for: those it names and those its filter matches, the first
 * N. A spec that names none and has no filter extends what the results file holds (`inFile`),
 * or, for a new file, analyses every conv.
 */
export function requestedParams(model: ModelHandle, spec: Pick<SensitivityJobSpec, 'params' | 'paramFilter' | 'first'>, inFile: readonly string[] = []): string[] {
  let filter: string | RegExp | undefined;
  try {
    filter = spec.paramFilter === undefined ? undefined : parseParamFilter(spec.paramFilter);
  } catch (err) {
    throw new UsageError(`parameter filter ${spec.paramFilter}: ${(err as Error).message}`);
  }
  const filtered = filter === undefined ? [] : analysableParams(model.params(), filter).map((p) => p.name);
  if (spec.paramFilter !== undefined && filtered.length === 0 && (spec.params ?? []).length === 0) {
    throw new UsageError(`no conv parameter matches "${spec.paramFilter}"; list them with "prunelens params MODEL"`);
  }
  const everything = inFile.length > 0 ? [...inFile] : analysableParams(model.params()).map((p) => p.name);
  const named = spec.params === undefined && spec.paramFilter === undefined ? everything : (spec.params ?? []);
  return [...new Set([...named, ...filtered])].slice(0, spec.first);
}

/**
 * The quick rule a spec asks for. Quick mode needs the fast engine: asked with another
 * engine it is a usage error; when the fast engine was asked for but the model cannot be
 * exported (TF.js measures instead), the scan says so and measures exactly.
 */
function quickRuleOf(spec: SensitivityJobSpec, engine: string, log: (line: string) => void): QuickRule | undefined {
  if (spec.quick === undefined) return undefined;
  if (spec.engine !== undefined && spec.engine !== 'fast') throw new UsageError(`quick mode needs the fast engine; --engine ${spec.engine} measures every image`);
  if (engine !== 'fast') {
    log('quick mode needs the fast engine, which cannot run this model; every point is measured exactly');
    return undefined;
  }
  const { loss } = spec.quick;
  // The default precision only without a threshold: with one, a point near it goes on (quickPoint.ts).
  const precision = spec.quick.precision ?? (loss === undefined ? DEFAULT_QUICK_PRECISION : undefined);
  if (precision !== undefined && !(precision > 0 && precision < 1)) throw new UsageError(`the quick-mode precision must be a loss between 0 and 1 (0.005 is half a point), got ${precision}`);
  if (loss !== undefined && !Number.isFinite(loss)) throw new UsageError(`the quick-mode loss threshold must be a number, got ${loss}`);
  return { confidence: QUICK_CONFIDENCE, ...(precision !== undefined ? { precision } : {}), ...(loss !== undefined ? { loss } : {}) };
}

function shardOf(spec: SensitivityJobSpec): ShardTask | undefined {
  return spec.shard === undefined ? undefined : { ...spec.shard, file: shardFile(spec.file, spec.shard.index, spec.shard.count) };
}

/**
 * Runs the scan under the lock on the file it writes (the results file, or this shard's
 * file), taken before anything else so that a second writer waits before doing any work.
 */
export async function runSensitivityJob(spec: SensitivityJobSpec, ctx: JobContext): Promise<JobResult> {
  checkNameLength(spec.file, 'results file');
  const shard = shardOf(spec);
  return withLock(shard?.file ?? spec.file, lockOptions(ctx.env, ctx.events.log.bind(ctx.events), ctx.signal), () => runLocked(spec, shard, ctx));
}

async function runLocked(spec: SensitivityJobSpec, shard: ShardTask | undefined, ctx: JobContext): Promise<JobResult> {
  const { events, env } = ctx;
  const source = requireModel(spec, `${spec.file}: no model given, and the results file does not name one`);
  const metric = spec.metric ?? 'top1';
  const split = spec.split ?? 'test';
  const dataSpec = spec.dataset ?? BUILTIN_DATASET;
  const model = await openModel(source);
  const engineName = engineFor(model, spec.engine ?? 'fast', events.log);
  const quick = quickRuleOf(spec, engineName, events.log);
  const existing = await readResultsIfExists(spec.file);
  const params = requestedParams(model, spec, Object.keys(existing?.params ?? {}));
  if (params.length === 0) throw new UsageError('no conv params to analyse; list them with "prunelens params MODEL"');
  // A shard measures its share, and records every requested param so that the folded file
  // names them all: a split scan killed early resumes with the params it was asked for.
  let share: string[] | undefined;
  let plan: ShardPlan | undefined;
  if (shard !== undefined) {
    const assigned = await planShardShare(model, params, spec.ratios ?? DEFAULT_RATIOS, existing, shard);
    share = assigned.params;
    plan = assigned.plan;
    events.log(`shard ${shard.index} of ${shard.count}: ${share.length} of the params, ${describeShare(plan, shard.index)}, into ${shard.file}`);
    if (share.length === 0 && !fs.existsSync(shard.file)) return { summary: `shard ${shard.index} of ${shard.count} had nothing to measure`, outputs: [] };
  }
  const file = shard?.file ?? spec.file;
  const data = await openData(dataSpec, spec.datasetOptions, split, model, source, { labelsOptional: metric === 'agreement', onProgress: (e) => events.progress(e), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const common = {
    metric,
    providers: env.providers ?? ['cpu'],
    batchSize: spec.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(env.threads !== undefined ? { intraOpThreads: env.threads } : {}),
    ...(env.background ? { allowSpinning: false } : {}),
  };
  const fast =
    engineName === 'fast'
      ? await createFastEngine(model, data, { ...common, ...(spec.cacheMb !== undefined ? { cacheBytes: Math.round(spec.cacheMb * 2 ** 20) } : {}), ...(quick ? { quick } : {}) })
      : undefined;
  const engine: ScanEngine = fast ?? perPointEngine(model, handleMetric(model, data, { ...common, engine: engineName === 'tfjs' ? 'tfjs' : 'ort' }));
  const rules = [quick?.precision !== undefined ? `to ±${quick.precision}` : '', quick?.loss !== undefined ? `clear of loss ${quick.loss}` : ''].filter(Boolean);
  const how = quick === undefined ? '' : `, quick: ${rules.join(' or ')} at ${quick.confidence * 100}% confidence`;
  const measured = share ?? params;
  events.log(`analysing ${counted(measured.length, 'param')} on ${data.count} ${split} images (${metric}, engine ${engineName}${how}); results in ${file}`);
  try {
    const results = await sensitivity(model, params, engine, {
      file,
      dataset: datasetIdentity(data, datasetLabel(dataSpec, split)),
      metric,
      criterion: spec.criterion ?? DEFAULT_CRITERION,
      modelPath: recordedModelPath(source.model),
      force: spec.force ?? false,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(shard !== undefined ? { shard: { index: shard.index, count: shard.count, ...(plan ? { plan } : {}) } } : {}),
      ...(share !== undefined ? { measureOnly: share } : {}),
      ...(spec.ratios !== undefined ? { ratios: spec.ratios } : {}),
      ...(spec.earlyStopLoss !== undefined ? { earlyStopLoss: spec.earlyStopLoss } : {}),
      onPoint: (e) => events.point({ ...e, file }),
      onProgress: (e) => events.progress(e),
    });
    return scanResult(results, file);
  } finally {
    fast?.release();
  }
}
