import * as path from 'node:path';
import { splitCommand } from '../../core/cluster/shell';
import { clusterJob } from '../../core/jobs/clusterJob';
import { UsageError } from '../../core/util/errors';
import { bool, int, str, type CommandSpec, type ParsedArgs } from '../args';
import type { ClusterJobSpec } from '../../shared/jobs';
import type { CliContext } from '../context';
import { cliJob, printResult } from '../jobEvents';

function required(args: ParsedArgs, name: string, what: string): string {
  const value = str(args, name);
  if (value === undefined) throw new UsageError(`cluster: --${name} is required (${what})`);
  return value;
}

function strings(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/** The job spec the command's arguments describe. */
function specOf(args: ParsedArgs, scheduler: 'slurm' | 'k8s', model: string, scanArgs: string[]): ClusterJobSpec {
  const shards = int(args, 'shards');
  if (shards === undefined) throw new UsageError('cluster: --shards N is required (how many shards to split the scan into)');
  const data = str(args, 'data');
  const maxParallel = int(args, 'max-parallel');
  const mem = str(args, 'mem');
  const opt = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));
  return {
    kind: 'cluster',
    scheduler,
    model,
    file: required(args, 'file', 'the results file on the shared volume'),
    ...(data !== undefined ? { dataset: data } : {}),
    shards,
    scanArgs,
    output: str(args, 'out') ?? `prunelens-${scheduler}`,
    force: bool(args, 'force'),
    prunelens: splitCommand(str(args, 'prunelens') ?? 'prunelens'),
    cpus: int(args, 'cpus') ?? 4,
    retries: int(args, 'retries', 0) ?? 2,
    name: str(args, 'name') ?? 'prunelens',
    ...(maxParallel !== undefined ? { maxParallel } : {}),
    ...(mem !== undefined ? { memory: mem } : {}),
    ...(scheduler === 'slurm'
      ? { slurm: { workdir: path.resolve(str(args, 'workdir') ?? '.'), time: str(args, 'time') ?? '02:00:00', setup: strings(args, 'setup'), ...opt('partition', str(args, 'partition')), ...opt('account', str(args, 'account')) } }
      : {
          k8s: {
            image: required(args, 'image', 'an image with Node 20 and prunelens'),
            ...opt('namespace', str(args, 'namespace')),
            ...opt('claim', str(args, 'claim')),
            ...opt('storage', str(args, 'storage')),
            ...opt('storageClass', str(args, 'storage-class')),
            mountPath: str(args, 'mount') ?? '/work',
          },
        }),
  };
}

export function clusterCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'cluster',
    usage: 'cluster slurm|k8s MODEL --file RESULTS --shards N [options] [-- SENSITIVITY OPTIONS]',
    summary:
      'Write the job files that run a sensitivity scan split into N shards on Slurm (an sbatch array job, a dependent merge, a submit script) ' +
      'or Kubernetes (an Indexed Job, a merge Job, a volume claim, a submit script). Options after "--" go to every "prunelens sensitivity" task. See docs/scale-out.md.',
    options: {
      file: { type: 'string', value: 'FILE', help: 'the results file, on the folder or volume every task sees (shard files go beside it)' },
      shards: { type: 'string', value: 'N', help: 'how many shards (array tasks, Job indexes) to split the scan into' },
      data: { type: 'string', value: 'DIR', help: 'the dataset on the shared folder or volume: an image folder, IDX files or a .npy/.npz (default: the built-in digits); preprocessing options go after --' },
      cpus: { type: 'string', value: 'N', default: '4', help: 'cores per task (also its ONNX Runtime threads)' },
      mem: { type: 'string', value: 'SIZE', help: 'memory per task (default 8G for Slurm, 8Gi for Kubernetes)' },
      retries: { type: 'string', value: 'N', default: '2', help: 'times a failed task is retried (Slurm: requeued when killed by a signal; Kubernetes: backoffLimitPerIndex)' },
      'max-parallel': { type: 'string', value: 'N', help: 'at most N tasks at once (default: all)' },
      name: { type: 'string', value: 'NAME', default: 'prunelens', help: 'prefix of the job names and log files' },
      prunelens: { type: 'string', value: 'CMD', default: 'prunelens', help: 'how the tasks run prunelens, e.g. "node /opt/prunelens/dist/cli.js"' },
      out: { type: 'string', short: 'o', value: 'DIR', help: 'folder to write the files into (default prunelens-slurm or prunelens-k8s)' },
      force: { type: 'boolean', help: 'replace files already in the output folder' },
      time: { type: 'string', value: 'T', default: '02:00:00', help: 'Slurm: time limit per task' },
      partition: { type: 'string', value: 'P', help: 'Slurm: partition' },
      account: { type: 'string', value: 'A', help: 'Slurm: account' },
      workdir: { type: 'string', value: 'DIR', help: 'Slurm: the shared folder the jobs run in; relative paths are resolved against it (default: the current folder)' },
      setup: { type: 'string', multiple: true, value: 'LINE', help: 'Slurm: a shell line to run before prunelens in each job, e.g. "module load nodejs" (repeatable)' },
      image: { type: 'string', value: 'IMAGE', help: 'Kubernetes: an image with Node 20 and prunelens (required)' },
      namespace: { type: 'string', value: 'NS', help: 'Kubernetes: namespace' },
      claim: { type: 'string', value: 'NAME', help: 'Kubernetes: the PersistentVolumeClaim with model, data and results (default NAME-work)' },
      storage: { type: 'string', value: 'SIZE', help: 'Kubernetes: also write claim.json creating the claim with this size, e.g. 50Gi (ReadWriteMany)' },
      'storage-class': { type: 'string', value: 'C', help: 'Kubernetes: storage class of the claim' },
      mount: { type: 'string', value: 'DIR', default: '/work', help: 'Kubernetes: where the claim is mounted; relative paths are under it' },
    },
    async run(args) {
      const [kind, model, ...scanArgs] = args.positionals;
      if ((kind !== 'slurm' && kind !== 'k8s') || model === undefined) throw new UsageError(`cluster: expected slurm or k8s, then MODEL\nUsage: prunelens ${spec.usage}`);
      printResult(await clusterJob(specOf(args, kind, model, scanArgs), cliJob(ctx, {})), ctx);
    },
  };
  return spec;
}
