/**
 * `prunelens cluster slurm`: the sbatch scripts of a scan split over a Slurm array job.
 * Slurm does the scheduling, the retries and the ordering; PruneLens only writes scripts:
 *
 * - scan.sbatch: an array of `shards` tasks, each `prunelens sensitivity ... --shard auto
 *   --shards N` with its cores, memory and time. A task killed by a signal (out of memory,
 *   a crash, a kill) requeues itself with `scontrol requeue`, up to `retries` times, and
 *   resumes from its shard file; `--requeue` also lets Slurm requeue it when its node fails.
 *   PruneLens's own errors (exit 1 or 2) are not retried: they would fail again.
 * - merge.sbatch: `prunelens merge` of the results file and the shard files, submitted with
 *   `--dependency=afterok:<array>` so it starts once every task has succeeded (and is
 *   cancelled, `--kill-on-invalid-dep`, if one fails for good).
 * - submit.sh: submits both and prints how to watch them; `submit.sh 1,3` submits only those
 *   array tasks (shard ids are 0-based task ids), with a merge after them.
 *
 * Pure: it returns the files' text, and the CLI writes them.
 */
import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { checkScanArgs, checkShards, mergeShellLines, scanArgv, type ClusterScan } from './clusterScan';
import { shellLine, shellQuote } from './shell';

export interface SlurmOptions extends ClusterScan {
  /** Prefix of the job names and log files. */
  readonly name: string;
  /** The shared folder the jobs run in (--chdir); relative paths are resolved against it, logs go to its logs/. */
  readonly workdir: string;
  /** Per array task: cores (also the ONNX Runtime threads), memory (sbatch --mem, e.g. 8G) and time limit (e.g. 02:00:00). */
  readonly memory: string;
  readonly time: string;
  readonly partition?: string;
  readonly account?: string;
  /** Times a task killed by a signal is requeued. */
  readonly retries: number;
  /** At most this many tasks at once (the array's %K); absent: as many as Slurm gives. */
  readonly maxParallel?: number;
  /** Shell lines run before prunelens in every job (module load, a PATH for node, ...). */
  readonly setup: readonly string[];
}

export interface SlurmScripts {
  readonly 'scan.sbatch': string;
  readonly 'merge.sbatch': string;
  readonly 'submit.sh': string;
}

function check(o: SlurmOptions): void {
  checkShards(o.shards);
  checkScanArgs(o.scanArgs);
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name)) throw new UsageError(`--name must be letters, digits, "_", "." or "-" (it names jobs and log files), got "${o.name}"`);
  if (!/^\d+[KMGT]?$/.test(o.memory)) throw new UsageError(`--mem must be a size as sbatch takes it, e.g. 8G or 8000M, got "${o.memory}"`);
  if (!/^(\d+-)?\d+(:\d+){0,2}$/.test(o.time)) throw new UsageError(`--time must be a time limit as sbatch takes it, e.g. 02:00:00 or 1-00:00:00, got "${o.time}"`);
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new UsageError(`--cpus must be a whole number >= 1, got ${o.threads}`);
  if (!Number.isInteger(o.retries) || o.retries < 0) throw new UsageError(`--retries must be a whole number >= 0, got ${o.retries}`);
  if (o.maxParallel !== undefined && (!Number.isInteger(o.maxParallel) || o.maxParallel < 1)) throw new UsageError(`--max-parallel must be a whole number >= 1, got ${o.maxParallel}`);
  if (!path.isAbsolute(o.workdir)) throw new UsageError(`the shared working folder must be an absolute path, got "${o.workdir}"`);
  // #SBATCH lines cannot quote, and "%" means a job or task id in --output.
  if (!/^[A-Za-z0-9_/.,:=@+-]+$/.test(o.workdir)) throw new UsageError(`the shared working folder's path may hold only letters, digits and _ / . , : = @ + - (sbatch directives cannot quote), got "${o.workdir}"`);
}

/** Paths as every node sees them: absolute, under the shared folder unless given absolute. */
function onShared(o: SlurmOptions): SlurmOptions {
  const abs = (p: string): string => path.resolve(o.workdir, p);
  return { ...o, model: o.model.startsWith('zoo:') ? o.model : abs(o.model), file: abs(o.file), ...(o.data !== undefined ? { data: abs(o.data) } : {}) };
}

function header(o: SlurmOptions, job: string, lines: readonly string[]): string[] {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.name}-${job}`,
    ...lines.map((l) => `#SBATCH ${l}`),
    `#SBATCH --chdir=${o.workdir}`,
    ...(o.partition !== undefined ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account !== undefined ? [`#SBATCH --account=${o.account}`] : []),
  ];
}

function scanScript(o: SlurmOptions): string {
  const array = `0-${o.shards - 1}${o.maxParallel !== undefined ? `%${o.maxParallel}` : ''}`;
  return [
    ...header(o, 'scan', [
      `--array=${array}`,
      `--cpus-per-task=${o.threads}`,
      `--mem=${o.memory}`,
      `--time=${o.time}`,
      `--output=${path.join(o.workdir, 'logs', `${o.name}-scan-%A_%a.out`)}`,
      '--open-mode=append',
      '--requeue',
    ]),
    `# A PruneLens sensitivity scan split into ${o.shards} shards, one array task each (generated by`,
    '# "prunelens cluster slurm"; docs/scale-out.md). Each task measures its share, balanced by',
    `# estimated cost, into ${path.basename(o.file).replace(/\.json$/, '')}.shard-<i>-of-${o.shards}.json beside the results file and`,
    '# resumes from that file when it runs again. Submit with submit.sh.',
    ...o.setup,
    'echo "shard task ${SLURM_ARRAY_TASK_ID} of job ${SLURM_ARRAY_JOB_ID} on $(hostname), attempt $(( ${SLURM_RESTART_COUNT:-0} + 1 ))"',
    shellLine(scanArgv(o)),
    'status=$?',
    `if [ "$status" -gt 128 ] && [ "\${SLURM_RESTART_COUNT:-0}" -lt ${o.retries} ]; then`,
    '  echo "shard task ${SLURM_ARRAY_TASK_ID} was stopped by signal $(( status - 128 )); requeueing it to resume from its shard file"',
    '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    'fi',
    'exit "$status"',
    '',
  ].join('\n');
}

function mergeScript(o: SlurmOptions): string {
  return [
    ...header(o, 'merge', ['--cpus-per-task=1', `--mem=${o.memory}`, '--time=01:00:00', `--output=${path.join(o.workdir, 'logs', `${o.name}-merge-%j.out`)}`]),
    '# Merges the shard files into the results file once every array task has succeeded',
    '# (submit.sh submits it with --dependency=afterok). An incomplete set is refused.',
    'set -eu',
    ...o.setup,
    ...mergeShellLines(o),
    '',
  ].join('\n');
}

function submitScript(o: SlurmOptions): string {
  const status = `${shellLine(o.prunelens)} status ${shellQuote(o.file)}`;
  return [
    '#!/bin/bash',
    `# Submits the scan (an array of ${o.shards} tasks) and the merge that starts when all of them`,
    '# have succeeded. "submit.sh 1,3" submits only those array tasks (0-based shard ids), e.g.',
    '# shards that failed for good, and a merge after them.',
    'set -euo pipefail',
    'here=$(cd "$(dirname "$0")" && pwd)',
    `logs=${path.join(o.workdir, 'logs')}`,
    'mkdir -p "$logs"',
    'array=()',
    'if [ $# -gt 0 ]; then array=(--array="$1"); fi',
    'scan=$(sbatch --parsable ${array[@]+"${array[@]}"} "$here/scan.sbatch")',
    'scan=${scan%%;*}',
    'merge=$(sbatch --parsable --dependency=afterok:"$scan" --kill-on-invalid-dep=yes "$here/merge.sbatch")',
    'merge=${merge%%;*}',
    'echo "submitted: scan job $scan, merge job $merge"',
    'echo "watch:  squeue -j $scan,$merge"',
    `echo ${shellQuote(`status: ${status}`)}`,
    `echo "logs:   $logs/${o.name}-scan-\${scan}_<task>.out and $logs/${o.name}-merge-\${merge}.out"`,
    'echo "cancel: scancel $scan $merge"',
    '',
  ].join('\n');
}

/** The three files for `options` (see the module comment). */
export function slurmScripts(options: SlurmOptions): SlurmScripts {
  check(options);
  const o = onShared(options);
  return { 'scan.sbatch': scanScript(o), 'merge.sbatch': mergeScript(o), 'submit.sh': submitScript(o) };
}
