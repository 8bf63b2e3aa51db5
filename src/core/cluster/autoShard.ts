/**
 * `--shard auto`: which shard this process is, read from the batch engine that started it,
 * so one command line serves every task of a Slurm array job or every index of a Kubernetes
 * Indexed Job. No queue of our own: the engine hands out the indexes and retries failures.
 *
 * - Slurm sets SLURM_ARRAY_TASK_ID, and SLURM_ARRAY_TASK_COUNT / _MIN / _MAX for the array.
 *   Without --shards the array is the whole split (task MIN is shard 1). With --shards N the
 *   task ids ARE the 0-based shard indexes, so one shard can be submitted again on its own
 *   (`sbatch --array=2 scan.sbatch`); the generated scripts always pass --shards.
 * - Kubernetes sets JOB_COMPLETION_INDEX (0-based) in every pod of an Indexed Job; the count
 *   (the Job's completions) is not in the pod's environment, so --shards N is required.
 */
import { parseShard, shardFile, type ShardTask } from '../sensitivity/shards';
import { UsageError } from '../util/errors';

export type Environment = Readonly<Record<string, string | undefined>>;

/** This process's place in a split scan and where it was read from (for the log). */
export interface AutoShard {
  /** 1-based, as in `--shard i/N`. */
  readonly index: number;
  readonly count: number;
  readonly from: string;
}

function whole(env: Environment, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--shard auto: ${name} must be a whole number, got "${text}"`);
  return Number(text);
}

function fromSlurm(env: Environment, id: number, shards: number | undefined): AutoShard {
  const min = whole(env, 'SLURM_ARRAY_TASK_MIN');
  const max = whole(env, 'SLURM_ARRAY_TASK_MAX');
  const declared = whole(env, 'SLURM_ARRAY_TASK_COUNT');
  const span = min !== undefined && max !== undefined ? max - min + 1 : undefined;
  if (shards !== undefined) {
    if (id >= shards || (max !== undefined && max >= shards)) {
      throw new UsageError(`--shard auto: array task ${max !== undefined && max >= shards ? `ids run to ${max}` : `id ${id}`} (SLURM_ARRAY_TASK_${max !== undefined && max >= shards ? 'MAX' : 'ID'}) but --shards ${shards} takes ids 0 to ${shards - 1}; submit the array as --array=0-${shards - 1}`);
    }
    if (declared !== undefined && declared > shards) throw new UsageError(`--shard auto: the array has ${declared} tasks (SLURM_ARRAY_TASK_COUNT) but --shards says ${shards}; they must agree`);
    return { index: id + 1, count: shards, from: `SLURM_ARRAY_TASK_ID=${id} with --shards ${shards}` };
  }
  const count = declared ?? span;
  if (count === undefined) throw new UsageError('--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT (nor _MIN and _MAX); give the shard count with --shards N');
  if (declared !== undefined && span !== undefined && declared !== span) {
    throw new UsageError(`--shard auto: the array is not one run of ids (SLURM_ARRAY_TASK_COUNT=${declared}, but ids ${min} to ${max}); submit it as --array=0-${declared - 1}, or give --shards N with ids 0 to N-1`);
  }
  const index = id - (min ?? 0) + 1;
  if (index < 1 || index > count) throw new UsageError(`--shard auto: SLURM_ARRAY_TASK_ID=${id} is outside the array (${min ?? 0} to ${(min ?? 0) + count - 1})`);
  return { index, count, from: `SLURM_ARRAY_TASK_ID=${id} of ${count} array tasks` };
}

function fromKubernetes(id: number, shards: number | undefined): AutoShard {
  if (shards === undefined) throw new UsageError("--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the shard count is not in the pod's environment; give --shards N, the Job's completions");
  if (id >= shards) throw new UsageError(`--shard auto: JOB_COMPLETION_INDEX=${id} but --shards ${shards} takes indexes 0 to ${shards - 1}; completions and --shards must agree`);
  return { index: id + 1, count: shards, from: `JOB_COMPLETION_INDEX=${id} with --shards ${shards}` };
}

/** The shard of this process under `env` (the process environment); `shards` is --shards. */
export function shardFromEnvironment(env: Environment, shards?: number): AutoShard {
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1)) throw new UsageError(`--shards must be a whole number >= 1, got ${shards}`);
  const slurm = whole(env, 'SLURM_ARRAY_TASK_ID');
  const k8s = whole(env, 'JOB_COMPLETION_INDEX');
  if (slurm !== undefined && k8s !== undefined) {
    throw new UsageError(`--shard auto: both SLURM_ARRAY_TASK_ID (${slurm}) and JOB_COMPLETION_INDEX (${k8s}) are set, so which engine started this is unclear; unset one, or give --shard i/N`);
  }
  if (slurm !== undefined) return fromSlurm(env, slurm, shards);
  if (k8s !== undefined) return fromKubernetes(k8s, shards);
  throw new UsageError(
    '--shard auto reads the shard from the batch engine, but neither SLURM_ARRAY_TASK_ID (a Slurm array task, sbatch --array=0-3) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) is set; ' +
      'outside those, give --shard i/N',
  );
}

/**
 * The shard a scan measures from `--shard` (`i/N` or `auto`) and `--shards`, or undefined
 * when `--shard` is not given. `--shards` alone is refused: it only says how many shards
 * there are, not which one this is.
 */
export function resolveShard(text: string | undefined, shards: number | undefined, main: string, env: Environment = process.env): (ShardTask & { readonly from: string }) | undefined {
  if (text === undefined) {
    if (shards !== undefined) throw new UsageError('--shards N goes with --shard auto (or --shard i/N)');
    return undefined;
  }
  if (text.trim() === 'auto') {
    const auto = shardFromEnvironment(env, shards);
    return { index: auto.index, count: auto.count, file: shardFile(main, auto.index, auto.count), from: auto.from };
  }
  const given = parseShard(text, main);
  if (shards !== undefined && shards !== given.count) throw new UsageError(`--shard ${text} and --shards ${shards} disagree on the shard count`);
  return { ...given, from: `--shard ${text.trim()}` };
}
