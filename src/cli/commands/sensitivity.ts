import * as path from 'node:path';
import { convParams } from '../../core/models/naming';
import { CRITERIA, type Criterion } from '../../core/pruning';
import { datasetIdentity } from '../../core/sensitivity/fingerprint';
import { createFastEngine, DEFAULT_CACHE_BYTES, type FastEngine } from '../../core/fast/fastEngine';
import { datasetMetric, type MetricFn } from '../../core/sensitivity/metrics';
import { readResultsIfExists } from '../../core/sensitivity/resultsFile';
import { sensitivity, type PointEvent } from '../../core/sensitivity/scan';
import { planShardShare } from '../../core/sensitivity/shards';
import { resolveShard } from '../../core/cluster/autoShard';
import { DEFAULT_RATIOS } from '../../core/sensitivity/scanState';
import { UsageError } from '../../core/util/errors';
import { METRIC_NAMES, isMeasured, type MetricName, type SensitivityResults, type ShardPlan } from '../../shared/results';
import { describeShare } from '../../core/sensitivity/shardPlan';
import { bool, choice, int, num, onePositional, str, type CommandSpec, type ParsedArgs } from '../args';
import { BACKEND_OPTIONS, DATA_OPTIONS, EVAL_OPTIONS, MODEL_HELP, ZOO_OPTIONS, openData, openModel, useBackend } from '../common';
import type { CliContext } from '../context';
import { autoWorkers, runWorkers } from '../parallelScan';

/** The params to analyse: conv kernels, narrowed as `prunelens params` narrows them. */
function paramFilter(args: ParsedArgs): string | RegExp | undefined {
  const filter = str(args, 'params');
  const regex = str(args, 'regex');
  if (filter !== undefined && regex !== undefined) throw new UsageError('sensitivity: give --params or --regex, not both');
  if (regex === undefined) return filter;
  try {
    return new RegExp(regex);
  } catch (e) {
    throw new UsageError(`--regex: ${(e as Error).message}`);
  }
}

function parseRatios(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const ratios = text.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  if (ratios.length === 0 || ratios.some((r) => !Number.isFinite(r))) throw new UsageError(`--ratios must be comma-separated numbers, e.g. 0.1,0.2,0.3; got "${text}"`);
  return ratios;
}

function describePoint(e: PointEvent, metric: MetricName): string {
  const members = e.params.length > 1 ? ` (+${e.params.length - 1} coupled)` : '';
  const head = `[${e.done}/${e.total}] ${e.group}${members} @ ${e.ratio}:`;
  if (!isMeasured(e.point)) return `${head} skipped (${e.point.reason})`;
  const p = e.point;
  return `${head} ${metric} ${p.metric.toFixed(4)}  loss ${(100 * p.loss).toFixed(2)}%  (${p.channelsPruned} channels, ${p.seconds.toFixed(1)} s)`;
}

function summarise(results: SensitivityResults, file: string): string[] {
  const lines: string[] = [];
  for (const g of Object.values(results.groups)) {
    if (!g.prunable) lines.push(`not prunable: ${g.params.join(', ')}: ${g.reason ?? 'no reason given'}`);
  }
  const points = Object.values(results.points).flatMap((t) => Object.values(t));
  const skipped = points.filter((p) => !isMeasured(p)).length;
  lines.push(`${points.length - skipped} points measured${skipped > 0 ? `, ${skipped} skipped by early stop` : ''}; baseline ${results.metadata.metric} ${results.metadata.baseline}; results in ${file}`);
  return lines;
}

export function sensitivityCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'sensitivity',
    usage: 'sensitivity MODEL [--params TEXT | --regex RE] [--ratios 0.1,0.2] [--file FILE] [options]',
    summary:
      `Measure how much each conv's channel group costs when pruned by each ratio (PaddleSlim's sensitivity()). ` +
      `The results file is rewritten after every point; run the same command again to resume or to add ratios. ${MODEL_HELP}.`,
    options: {
      params: { type: 'string', value: 'TEXT', help: 'analyse the conv params whose name contains TEXT (default: every conv)' },
      regex: { type: 'string', value: 'RE', help: 'analyse the conv params whose name matches RE' },
      first: { type: 'string', value: 'N', help: 'keep only the first N matching params (the seed keeps 5)' },
      ratios: { type: 'string', value: 'LIST', default: '0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9', help: 'pruning ratios, comma-separated' },
      file: { type: 'string', value: 'FILE', default: 'sensitivities.json', help: 'results file to resume and extend' },
      criterion: { type: 'string', value: 'C', default: 'l1_norm', help: `channel importance: ${CRITERIA.join(', ')}` },
      metric: { type: 'string', value: 'M', default: 'top1', help: "top1 (needs labels) or agreement (top-1 agreement with the unpruned model's predictions)" },
      split: { type: 'string', value: 'S', default: 'test', help: 'dataset split to evaluate: train or test' },
      'early-stop': { type: 'string', value: 'LOSS', help: "stop raising a group's ratio once its loss is above LOSS; the rest are recorded as skipped" },
      force: { type: 'boolean', help: 'add to a results file measured on another model, dataset, metric or criterion' },
      workers: {
        type: 'string',
        value: 'N',
        default: 'auto',
        help: 'split the scan over N worker processes (each with cores/N ONNX Runtime threads, and --cache-mb/N), merged into FILE; auto: one per 4 cores, a single process below 8',
      },
      shard: { type: 'string', value: 'i/N', help: 'measure only share i of N into FILE.shard-i-of-N.json (e.g. on another machine); combine with "prunelens merge". auto: i and N from a Slurm array task or a Kubernetes Indexed Job (docs/scale-out.md)' },
      shards: { type: 'string', value: 'N', help: 'with --shard auto: the shard count (required under Kubernetes; under Slurm, array task ids are then the 0-based shard indexes)' },
      ...DATA_OPTIONS,
      ...EVAL_OPTIONS,
      engine: {
        type: 'string',
        value: 'E',
        default: 'fast',
        help: 'fast (ONNX Runtime, computes the network upstream of each group once; exact), ort (a masked model per point on ONNX Runtime) or tfjs',
      },
      'cache-mb': { type: 'string', value: 'MB', default: String(DEFAULT_CACHE_BYTES / 2 ** 20), help: "fast engine: memory for one group's cached activations; above it, a group's ratios are measured together" },
      ...ZOO_OPTIONS,
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const modelSpec = onePositional(args, spec, 'MODEL');
      const ratios = parseRatios(str(args, 'ratios'));
      const criterion = choice<Criterion>(args, 'criterion', CRITERIA) ?? 'l1_norm';
      const metric = choice<MetricName>(args, 'metric', METRIC_NAMES) ?? 'top1';
      const split = choice(args, 'split', ['train', 'test'] as const) ?? 'test';
      const engine = choice(args, 'engine', ['fast', 'ort', 'tfjs'] as const) ?? 'fast';
      const cacheMb = num(args, 'cache-mb');
      if (cacheMb !== undefined && !(cacheMb >= 0)) throw new UsageError(`--cache-mb must be a number of megabytes >= 0, got ${cacheMb}`);
      const earlyStopLoss = num(args, 'early-stop');
      const first = int(args, 'first');
      const mainFile = str(args, 'file') ?? 'sensitivities.json';
      const shardText = str(args, 'shard');
      const workersText = str(args, 'workers') ?? 'auto';
      if (workersText !== 'auto' && shardText !== undefined) throw new UsageError('sensitivity: give --workers or --shard, not both');
      const workers = shardText !== undefined ? 1 : workersText === 'auto' ? autoWorkers() : (int(args, 'workers') as number);
      if (workers > 1) {
        await runWorkers(args, workers, mainFile, bool(args, 'force'), ctx, cacheMb);
        const merged = await readResultsIfExists(mainFile);
        if (merged) for (const line of summarise(merged, mainFile)) ctx.log(line);
        return;
      }
      const shard = resolveShard(shardText, int(args, 'shards'), mainFile);
      const file = shard?.file ?? mainFile;
      await useBackend(args, ctx.log);
      const model = await openModel(modelSpec, args);
      let params = convParams(model, paramFilter(args)).map((p) => p.name).slice(0, first);
      if (params.length === 0) throw new UsageError('sensitivity: no conv params match; list them with "prunelens params MODEL"');
      let plan: ShardPlan | undefined;
      if (shard !== undefined) {
        const share = await planShardShare(model, params, ratios ?? DEFAULT_RATIOS, await readResultsIfExists(mainFile), shard);
        params = share.params;
        plan = share.plan;
        ctx.log(`shard ${shard.index} of ${shard.count} (${shard.from}): ${params.length} of the params, ${describeShare(share.plan, shard.index)}, into ${shard.file}`);
        if (params.length === 0) return;
      }
      const data = openData(args, split, model, { labelsOptional: metric === 'agreement' });
      const threads = int(args, 'threads');
      const providers = (str(args, 'providers') ?? 'cpu').split(',').map((p) => p.trim()).filter(Boolean);
      const common = {
        metric,
        providers,
        batchSize: int(args, 'batch-size') ?? 128,
        signal: ctx.signal,
        ...(threads !== undefined ? { intraOpThreads: threads } : {}),
        // A shard shares the machine with its sibling workers: idle ONNX Runtime threads
        // should yield their core rather than spin on it.
        ...(shard !== undefined ? { allowSpinning: false } : {}),
      };
      const evaluateFn: MetricFn | FastEngine =
        engine === 'fast'
          ? await createFastEngine(model, data, { ...common, ...(cacheMb !== undefined ? { cacheBytes: Math.round(cacheMb * 2 ** 20) } : {}) })
          : datasetMetric(model, data, { ...common, engine });
      ctx.log(`analysing ${params.length} param${params.length === 1 ? '' : 's'} on ${data.count} ${split} images (${metric}, engine ${engine}); results in ${file}`);
      const modelPath = modelSpec.startsWith('zoo:') ? modelSpec : path.resolve(modelSpec);
      let results: SensitivityResults;
      try {
        results = await sensitivity(model, params, evaluateFn, {
          file,
          dataset: datasetIdentity(data, `${str(args, 'data') ?? 'builtin'}:${split}`),
          metric,
          criterion,
          modelPath,
          force: bool(args, 'force'),
          signal: ctx.signal,
          ...(shard !== undefined ? { shard: { index: shard.index, count: shard.count, ...(plan ? { plan } : {}) } } : {}),
          onPoint: (e) => ctx.log(describePoint(e, metric)),
          ...(ratios !== undefined ? { ratios } : {}),
          ...(earlyStopLoss !== undefined ? { earlyStopLoss } : {}),
        });
      } finally {
        if (typeof evaluateFn !== 'function') evaluateFn.release();
      }
      for (const line of summarise(results, file)) ctx.log(line);
    },
  };
  return spec;
}
