/**
 * The cluster job: the files that run a sensitivity scan split into shards on Slurm or
 * Kubernetes, written into a folder, and the command that submits them. `prunelens
 * cluster` and the extension's Run Sensitivity on a Cluster both come here.
 */
import * as path from 'node:path';
import type { ClusterJobSpec, JobResult } from '../../shared/jobs';
import { BUILTIN_DATASET } from '../../shared/vocabulary';
import { k8sManifests } from '../cluster/k8s';
import { slurmScripts } from '../cluster/slurm';
import { writeGeneratedFiles } from '../cluster/writeFiles';
import { UsageError } from '../util/errors';
import type { JobContext } from './context';

export async function clusterJob(spec: ClusterJobSpec, _ctx: JobContext): Promise<JobResult> {
  const scan = {
    model: spec.model,
    file: spec.file,
    ...(spec.dataset !== undefined && spec.dataset !== BUILTIN_DATASET ? { data: spec.dataset } : {}),
    shards: spec.shards,
    scanArgs: spec.scanArgs,
    prunelens: spec.prunelens ?? ['prunelens'],
    threads: spec.cpus ?? 4,
  };
  const common = { ...scan, name: spec.name ?? 'prunelens', retries: spec.retries ?? 2, ...(spec.maxParallel !== undefined ? { maxParallel: spec.maxParallel } : {}) };
  const out = path.resolve(spec.output);
  const data = scan.data !== undefined ? ' and the data' : '';
  let written: string[];
  let next: string;
  if (spec.scheduler === 'slurm') {
    const s = spec.slurm;
    if (s === undefined) throw new UsageError('a Slurm job needs the shared working folder');
    const files = slurmScripts({
      ...common,
      workdir: path.resolve(s.workdir),
      memory: spec.memory ?? '8G',
      time: s.time ?? '02:00:00',
      setup: s.setup ?? [],
      ...(s.partition !== undefined ? { partition: s.partition } : {}),
      ...(s.account !== undefined ? { account: s.account } : {}),
    });
    written = await writeGeneratedFiles(out, { ...files }, spec.force ?? false);
    next = `put the model${data} where the paths say (the shared folder), then submit: bash ${path.join(out, 'submit.sh')}`;
  } else {
    const k = spec.k8s;
    if (k === undefined || k.image === '') throw new UsageError('a Kubernetes job needs an image with Node 20 and prunelens');
    const name = common.name;
    const files = k8sManifests({
      ...common,
      image: k.image,
      claim: k.claim ?? `${name}-work`,
      mountPath: k.mountPath ?? '/work',
      memory: spec.memory ?? '8Gi',
      ...(k.namespace !== undefined ? { namespace: k.namespace } : {}),
      ...(k.storage !== undefined ? { storage: k.storage } : {}),
      ...(k.storageClass !== undefined ? { storageClass: k.storageClass } : {}),
    });
    written = await writeGeneratedFiles(out, { ...files }, spec.force ?? false);
    next = `copy the model${data} onto the volume (the paths in scan-job.json), then run: sh ${path.join(out, 'submit.sh')}`;
  }
  const scheduler = spec.scheduler === 'slurm' ? 'Slurm' : 'Kubernetes';
  return {
    summary: `${scheduler} files for ${spec.shards} shards in ${out}; ${next}`,
    details: [`wrote ${written.join(', ')}`, next],
    outputs: written,
  };
}
