import * as path from 'node:path';
import { k8sManifests } from '../../core/cluster/k8s';
import { splitCommand } from '../../core/cluster/shell';
import { slurmScripts } from '../../core/cluster/slurm';
import { writeGeneratedFiles } from '../../core/cluster/writeFiles';
import { UsageError } from '../../core/util/errors';
import { bool, int, str, type CommandSpec, type ParsedArgs } from '../args';
import type { CliContext } from '../context';

function required(args: ParsedArgs, name: string, what: string): string {
  const value = str(args, name);
  if (value === undefined) throw new UsageError(`cluster: --${name} is required (${what})`);
  return value;
}

function strings(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/** What both generators take, from the command line. */
function scanOf(args: ParsedArgs, model: string, scanArgs: string[]): { model: string; file: string; data?: string; shards: number; scanArgs: string[]; prunelens: string[]; threads: number } {
  const data = str(args, 'data');
  const shards = int(args, 'shards');
  if (shards === undefined) throw new UsageError('cluster: --shards N is required (how many shards to split the scan into)');
  return {
    model,
    file: required(args, 'file', 'the results file on the shared volume'),
    ...(data !== undefined && data !== 'builtin' ? { data } : {}),
    shards,
    scanArgs,
    prunelens: splitCommand(str(args, 'prunelens') ?? 'prunelens'),
    threads: int(args, 'cpus') ?? 4,
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
      data: { type: 'string', value: 'DIR', help: 'a folder of MNIST-format IDX files on the shared folder or volume (default: the built-in digits)' },
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
      const scan = scanOf(args, model, scanArgs);
      const maxParallel = int(args, 'max-parallel');
      const common = { ...scan, name: str(args, 'name') ?? 'prunelens', retries: int(args, 'retries', 0) ?? 2, ...(maxParallel !== undefined ? { maxParallel } : {}) };
      const out = path.resolve(str(args, 'out') ?? `prunelens-${kind}`);
      const force = bool(args, 'force');
      let written: string[];
      if (kind === 'slurm') {
        const partition = str(args, 'partition');
        const account = str(args, 'account');
        const files = slurmScripts({
          ...common,
          workdir: path.resolve(str(args, 'workdir') ?? '.'),
          memory: str(args, 'mem') ?? '8G',
          time: str(args, 'time') ?? '02:00:00',
          setup: strings(args, 'setup'),
          ...(partition !== undefined ? { partition } : {}),
          ...(account !== undefined ? { account } : {}),
        });
        written = await writeGeneratedFiles(out, { ...files }, force);
        ctx.log(`wrote ${written.join(', ')}`);
        ctx.log(`put the model${scan.data !== undefined ? ' and the data' : ''} where the paths above say (the shared folder), then submit: bash ${path.join(out, 'submit.sh')}`);
      } else {
        const name = common.name;
        const namespace = str(args, 'namespace');
        const storage = str(args, 'storage');
        const storageClass = str(args, 'storage-class');
        const files = k8sManifests({
          ...common,
          image: required(args, 'image', 'an image with Node 20 and prunelens'),
          claim: str(args, 'claim') ?? `${name}-work`,
          mountPath: str(args, 'mount') ?? '/work',
          memory: str(args, 'mem') ?? '8Gi',
          ...(namespace !== undefined ? { namespace } : {}),
          ...(storage !== undefined ? { storage } : {}),
          ...(storageClass !== undefined ? { storageClass } : {}),
        });
        written = await writeGeneratedFiles(out, { ...files }, force);
        ctx.log(`wrote ${written.join(', ')}`);
        ctx.log(`copy the model${scan.data !== undefined ? ' and the data' : ''} onto the volume (the paths in scan-job.json), then run: sh ${path.join(out, 'submit.sh')}`);
      }
    },
  };
  return spec;
}
