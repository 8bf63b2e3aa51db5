/**
 * Run Sensitivity on a Cluster...: the Analyze wizard's choices (model, data, parameters,
 * ratios, criterion, results file), then the scheduler, the shard count (and for Kubernetes
 * the image), turned into Slurm or Kubernetes job files in a workspace folder by a `cluster`
 * job. The message gives the command that submits them. Paths in the files are relative to
 * the workspace folder, which the scripts run in (Slurm: the workspace is on the cluster's
 * shared file system; Kubernetes: it is copied onto the volume).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sensitivityArgs } from '../../shared/scanArgs';
import type { Ctx } from '../ctx';
import { parseCount, type Parsed } from '../validate';
import { askScan, checkResultsTarget } from './analyze';
import { askValue, checkOutputFolder, pickOne, relativeToRoot, workspaceRoot } from './pick';

const TITLE = 'Run Sensitivity on a Cluster';
const STEPS = 9;

function nonEmpty(what: string): (text: string) => Parsed<string> {
  return (text) => (text.trim() === '' ? { error: `give ${what}` } : { value: text.trim() });
}

export async function runOnCluster(ctx: Ctx, arg?: unknown): Promise<void> {
  const root = workspaceRoot();
  if (root === undefined) {
    void vscode.window.showErrorMessage('PruneLens: open a folder first: the cluster files and the paths in them are relative to it.');
    return;
  }
  const step = (n: number): { title: string; step: number; steps: number } => ({ title: TITLE, step: n, steps: STEPS });
  const scan = await askScan(ctx, step, arg);
  if (scan === undefined) return;
  const file = await askValue(step(6), 'Results file, on the shared folder (shard files go beside it)', 'sensitivities.json', checkResultsTarget);
  if (file === undefined) return;
  const scheduler = await pickOne(step(7), 'Where the scan runs', [
    { label: 'Slurm', description: 'an sbatch array job and a dependent merge', value: 'slurm' as const },
    { label: 'Kubernetes', description: 'an Indexed Job and a merge Job', value: 'k8s' as const },
  ]);
  if (scheduler === undefined) return;
  const shards = await askValue(step(8), 'Shards: array tasks (Slurm) or Job indexes (Kubernetes), each with its share of the groups', '4', (t) => parseCount(t, 1, 1024, 'the number of shards'));
  if (shards === undefined) return;
  const image = scheduler.value === 'k8s' ? await askValue(step(9), 'An image with Node 20 and prunelens, e.g. registry.example.com/prunelens:0.1', '', nonEmpty('an image')) : undefined;
  if (scheduler.value === 'k8s' && image === undefined) return;
  const output = await askValue(step(9), 'Folder for the job files (new or empty)', `prunelens-${scheduler.value}`, checkOutputFolder);
  if (output === undefined) return;
  const local = (p: string): string => (p === 'builtin' || p.startsWith('zoo:') ? p : relativeToRoot(p));
  await ctx.jobs.start({
    kind: 'cluster',
    scheduler: scheduler.value,
    model: local(scan.model),
    file: local(file),
    dataset: local(scan.dataset),
    shards,
    scanArgs: sensitivityArgs(scan),
    output: path.resolve(root, output),
    ...(scheduler.value === 'slurm' ? { slurm: { workdir: root } } : { k8s: { image: image as string } }),
  });
}
