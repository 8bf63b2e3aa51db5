import { autoWorkers, runShardedScan } from '../../core/jobs/shardedScan';
import { runSensitivityJob } from '../../core/jobs/sensitivityJob';
import { DEFAULT_CACHE_BYTES } from '../../core/fast/fastEngine';
import { resolveShard } from '../../core/cluster/autoShard';
import { UsageError } from '../../core/util/errors';
import type { SensitivityJobSpec } from '../../shared/jobs';
import { CRITERIA, DEFAULT_RATIOS, METRICS, SCAN_ENGINES, SPLITS } from '../../shared/vocabulary';
import { bool, choice, int, num, onePositional, str, type CommandSpec, type ParsedArgs } from '../args';
import { BACKEND_OPTIONS, DATA_OPTIONS, datasetOf, EVAL_OPTIONS, MODEL_HELP, ZOO_OPTIONS, modelSource, runEnv } from '../common';
import type { CliContext } from '../context';
import { cliJob, printResult, startBackend } from '../jobEvents';
import { cliShardRunner } from '../shardWorkers';

/** The params to analyse as the job's filter: --params TEXT (a substring) or --regex RE. */
function paramFilter(args: ParsedArgs): string | undefined {
  const filter = str(args, 'params');
  const regex = str(args, 'regex');
  if (filter !== undefined && regex !== undefined) throw new UsageError('sensitivity: give --params or --regex, not both');
  if (regex === undefined) return filter;
  try {
    new RegExp(regex);
  } catch (e) {
    throw new UsageError(`--regex: ${(e as Error).message}`);
  }
  return `/${regex}/`;
}

function parseRatios(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const ratios = text.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  if (ratios.length === 0 || ratios.some((r) => !Number.isFinite(r))) throw new UsageError(`--ratios must be comma-separated numbers, e.g. 0.1,0.2,0.3; got "${text}"`);
  return ratios;
}

/** The job spec the command's arguments describe. */
function specOf(args: ParsedArgs, modelSpec: string): SensitivityJobSpec {
  const cacheMb = num(args, 'cache-mb');
  if (cacheMb !== undefined && !(cacheMb >= 0)) throw new UsageError(`--cache-mb must be a number of megabytes >= 0, got ${cacheMb}`);
  const filter = paramFilter(args);
  const ratios = parseRatios(str(args, 'ratios'));
  const earlyStopLoss = num(args, 'early-stop');
  const first = int(args, 'first');
  const batchSize = int(args, 'batch-size');
  return {
    kind: 'sensitivity',
    ...modelSource(modelSpec, args),
    file: str(args, 'file') ?? 'sensitivities.json',
    ...datasetOf(args),
    split: choice(args, 'split', SPLITS) ?? 'test',
    ...(filter !== undefined ? { paramFilter: filter } : {}),
    ...(first !== undefined ? { first } : {}),
    ...(ratios !== undefined ? { ratios } : {}),
    criterion: choice(args, 'criterion', CRITERIA) ?? 'l1_norm',
    metric: choice(args, 'metric', METRICS) ?? 'top1',
    engine: choice(args, 'engine', SCAN_ENGINES) ?? 'fast',
    ...(cacheMb !== undefined ? { cacheMb } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(earlyStopLoss !== undefined ? { earlyStopLoss } : {}),
    ...(bool(args, 'force') ? { force: true } : {}),
  };
}

export function sensitivityCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'sensitivity',
    usage: 'sensitivity MODEL [--params TEXT | --regex RE] [--ratios 0.1,0.2] [--file FILE] [options]',
    summary:
      `Measure how much each conv's channel group costs when pruned by each ratio (PaddleSlim's sensitivity()). ` +
      `The results file is rewritten after every point; run the same command again to resume or to add ratios. ${MODEL_HELP}.`,
    options: {
      params: { type: 'string', value: 'TEXT', help: 'analyse the conv params whose name contains TEXT (default: those in FILE, or every conv for a new file)' },
      regex: { type: 'string', value: 'RE', help: 'analyse the conv params whose name matches RE' },
      first: { type: 'string', value: 'N', help: 'keep only the first N matching params (the seed keeps 5)' },
      ratios: { type: 'string', value: 'LIST', default: DEFAULT_RATIOS.join(','), help: 'pruning ratios, comma-separated' },
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
      const job = specOf(args, onePositional(args, spec, 'MODEL'));
      const env = runEnv(args);
      const shardText = str(args, 'shard');
      const workersText = str(args, 'workers') ?? 'auto';
      if (workersText !== 'auto' && shardText !== undefined) throw new UsageError('sensitivity: give --workers or --shard, not both');
      const workers = shardText !== undefined ? 1 : workersText === 'auto' ? autoWorkers() : (int(args, 'workers') as number);
      if (workers > 1) {
        const result = await runShardedScan({ ...job, workers }, workers, env, cliShardRunner(ctx, job.metric ?? 'top1'), { log: ctx.log, signal: ctx.signal });
        printResult(result, ctx);
        return;
      }
      const shard = resolveShard(shardText, int(args, 'shards'), job.file);
      if (shard !== undefined) ctx.log(`--shard ${shardText ?? ''}: shard ${shard.index} of ${shard.count} (${shard.from})`);
      await startBackend(env, ctx);
      const run = cliJob(ctx, env, { metric: job.metric ?? 'top1' });
      try {
        printResult(await runSensitivityJob({ ...job, ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}) }, run), ctx);
      } finally {
        run.events.finish();
      }
    },
  };
  return spec;
}
