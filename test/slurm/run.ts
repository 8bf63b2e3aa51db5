/**
 * `npm run test:slurm`: a sensitivity scan on a real one-node Slurm (localSlurm.ts), run the
 * way a user would: `prunelens cluster slurm` writes the scripts, their submit.sh submits a
 * 4-task array scan of MobileNetV1 (13 `_sep` groups x 2 ratios on the built-in test digits)
 * and the merge that waits for it (afterok). Checked:
 *
 * 1. the merged file equals a one-process scan point by point (same metric, loss and
 *    channels for every group and ratio), and the merge job completed;
 * 2. a second array, one of whose tasks is killed (SIGKILL of its prunelens process) right
 *    after its first point, is requeued by its script, resumes from its shard file (measuring
 *    only the points it lacked) and still ends in a merged file equal to the one-process scan.
 *
 * It prints the wall time of the one process and of the 4-task array plus merge. It installs
 * nothing: .ci/run installs slurm-wlm and munge. It waits by polling Slurm's state and files.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import { loadResults, readResultsIfExists } from '../../src/core/sensitivity/resultsFile';
import { shardFile } from '../../src/core/sensitivity/shards';
import { isMeasured, type SensitivityResults } from '../../src/shared/results';
import { LocalSlurm, missingPrerequisites, pidsWithEnv, waitFor } from './localSlurm';

const SHARDS = 4;
const SCAN = ['--params', '_sep_weights', '--ratios', '0.2,0.5'];
const cli = path.resolve(__dirname, '../../dist/cli.js');

function node(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prunelens ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function pointCount(results: SensitivityResults | undefined): number {
  return Object.values(results?.points ?? {}).reduce((n, t) => n + Object.keys(t).length, 0);
}

/** Throws unless `merged` holds exactly the reference's points, with the same numbers. */
function assertSamePoints(merged: SensitivityResults, reference: SensitivityResults, what: string): void {
  const problems: string[] = [];
  if (merged.metadata.baseline !== reference.metadata.baseline) problems.push(`baseline ${merged.metadata.baseline} vs ${reference.metadata.baseline}`);
  if (merged.metadata.partial !== undefined) problems.push('marked partial');
  const keys = (r: SensitivityResults): string[] => Object.entries(r.points).flatMap(([g, t]) => Object.keys(t).map((k) => `${g}@${k}`)).sort();
  if (keys(merged).join() !== keys(reference).join()) problems.push(`points differ: ${keys(merged).length} vs ${keys(reference).length}`);
  for (const [group, table] of Object.entries(reference.points)) {
    for (const [key, point] of Object.entries(table)) {
      const other = merged.points[group]?.[key];
      if (other === undefined || !isMeasured(other) || !isMeasured(point)) continue;
      if (other.metric !== point.metric || other.loss !== point.loss || other.channelsPruned !== point.channelsPruned) problems.push(`${group} @ ${key}: metric ${other.metric} vs ${point.metric}`);
    }
  }
  if (problems.length > 0) throw new Error(`${what} is not the one-process scan:\n  ${problems.join('\n  ')}`);
  console.log(`ok: ${what} equals the one-process scan, ${pointCount(merged)} points`);
}

/** Writes the scripts for `name` with `prunelens cluster slurm`, as a user would. */
function generate(shared: string, name: string): string {
  const out = path.join(shared, `jobs-${name}`);
  node(['cluster', 'slurm', path.join(shared, 'model'), '--file', `results/${name}.json`, '--shards', String(SHARDS), '--cpus', '1', '--mem', '1500M', '--time', '00:30:00', '--workdir', shared, '--name', name, '--prunelens', `${process.execPath} ${cli}`, '-o', out, '--', ...SCAN]);
  return out;
}

function submit(slurm: LocalSlurm, jobs: string): { scan: string; merge: string } {
  const out = slurm.command('bash', [path.join(jobs, 'submit.sh')]);
  const m = /submitted: scan job (\d+), merge job (\d+)/.exec(out);
  if (!m) throw new Error(`submit.sh said: ${out}`);
  return { scan: m[1] as string, merge: m[2] as string };
}

/** Waits for the merge job to leave the queue and checks that it completed. */
async function finished(slurm: LocalSlurm, ids: { scan: string; merge: string }): Promise<void> {
  await slurm.drained([ids.scan, ids.merge], 20 * 60_000);
  const state = slurm.job(ids.merge)?.get('JobState');
  if (state !== 'COMPLETED') throw new Error(`merge job ${ids.merge} ended ${state ?? '(unknown)'}`);
}

/** Waits for task `task`'s first point, then SIGKILLs its prunelens process; returns the points it had. */
async function killAfterFirstPoint(shared: string, scan: string, task: number, file: string): Promise<{ had: number; planned: number }> {
  const pid = await waitFor(
    `task ${task}'s first point`,
    async () => {
      if (pointCount(await readResultsIfExists(file).catch(() => undefined)) === 0) return undefined;
      return pidsWithEnv([`SLURM_ARRAY_JOB_ID=${scan}`, `SLURM_ARRAY_TASK_ID=${task}`]).find((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('sensitivity'));
    },
    10 * 60_000,
    20,
  );
  process.kill(pid, 'SIGKILL');
  const results = await loadResults(file);
  const plan = results.metadata.shard?.plan;
  const planned = (plan?.shares[task]?.groups.length ?? 0) * (plan?.ratios.length ?? 0);
  const had = pointCount(results);
  if (had >= planned) throw new Error(`task ${task} had finished all ${planned} points before it could be killed; nothing to show`);
  console.log(`killed task ${task} (pid ${pid}) with ${had} of its ${planned} points in ${path.relative(shared, file)}`);
  return { had, planned };
}

/** Where the array's time went, from Slurm's own start and end times (whole seconds). */
function timeline(slurm: LocalSlurm, ids: { scan: string; merge: string }, submitted: number): string {
  const at = (t: string | undefined): number => (t === undefined ? NaN : (Date.parse(t) - submitted) / 1000);
  const tasks = slurm.jobs(ids.scan).map((j) => ({ task: j.get('ArrayTaskId'), start: at(j.get('StartTime')), end: at(j.get('EndTime')) }));
  const merge = slurm.job(ids.merge);
  const spans = tasks.map((t) => `task ${t.task ?? '?'} ${t.start.toFixed(0)}-${t.end.toFixed(0)} s`).join(', ');
  return `Slurm's times after submit (whole seconds): ${spans}; merge ${at(merge?.get('StartTime')).toFixed(0)}-${at(merge?.get('EndTime')).toFixed(0)} s`;
}

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(`a local Slurm needs ${missing.join(', ')} (apt-get install slurm-wlm munge, as root)`);
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-slurm-'));
  fs.chmodSync(dir, 0o755);
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(path.join(shared, 'results'), { recursive: true });
  await tf.setBackend('cpu');
  await saveModel(buildModel('mobilenetV1'), path.join(shared, 'model'));

  // One process as it runs by default (a thread per core), and with one thread as each task has.
  const one = async (name: string, extra: string[]): Promise<{ results: SensitivityResults; seconds: number }> => {
    const start = Date.now();
    node(['sensitivity', path.join(shared, 'model'), '--file', path.join(shared, `${name}.json`), '--workers', '1', ...extra, ...SCAN]);
    return { results: await loadResults(path.join(shared, `${name}.json`)), seconds: (Date.now() - start) / 1000 };
  };
  const { results: reference, seconds: oneSeconds } = await one('one', []);
  const single = await one('one-thread', ['--threads', '1']);
  assertSamePoints(single.results, reference, 'the one-thread scan');
  const threads = os.availableParallelism();

  const slurm = await LocalSlurm.start(path.join(dir, 'slurm'), Math.floor((os.totalmem() / 2 ** 20) * 0.8));
  const jobs: string[] = [];
  let ok = false;
  try {
    const clean = generate(shared, 'clean');
    const started = Date.now();
    const a = submit(slurm, clean);
    jobs.push(a.scan, a.merge);
    await finished(slurm, a);
    const arraySeconds = (Date.now() - started) / 1000;
    const timing = timeline(slurm, a, started);
    assertSamePoints(await loadResults(path.join(shared, 'results', 'clean.json')), reference, 'the merged 4-task array scan');

    const b = submit(slurm, generate(shared, 'killed'));
    jobs.push(b.scan, b.merge);
    const file = shardFile(path.join(shared, 'results', 'killed.json'), 2, SHARDS);
    const { had, planned } = await killAfterFirstPoint(shared, b.scan, 1, file);
    await finished(slurm, b);
    const log = fs.readFileSync(path.join(shared, 'logs', `killed-scan-${b.scan}_1.out`), 'utf8');
    const second = log.slice(log.indexOf('attempt 2'));
    if (!log.includes('requeueing it to resume from its shard file') || !log.includes('attempt 2')) throw new Error(`task 1 was not requeued; its log:\n${log}`);
    const measuredAgain = second.match(/^\[\d+\/\d+\] /gm)?.length ?? 0;
    if (measuredAgain !== planned - had) throw new Error(`the requeued task measured ${measuredAgain} points; it lacked ${planned - had}`);
    console.log(`ok: task 1 was requeued (restarts: ${slurm.job(`${b.scan}_1`)?.get('Restarts') ?? '?'}) and measured only the ${measuredAgain} points it lacked`);
    assertSamePoints(await loadResults(path.join(shared, 'results', 'killed.json')), reference, 'the merged scan with a killed and requeued task');

    console.log(
      `wall time on this machine (${threads} cores): one process ${oneSeconds.toFixed(1)} s (${threads} threads), ${single.seconds.toFixed(1)} s (1 thread); ` +
        `4-task Slurm array (1 core each) + merge ${arraySeconds.toFixed(1)} s (submit to merged file)`,
    );
    console.log(timing);
    ok = true;
  } finally {
    if (!ok) console.error(slurm.logTails());
    await slurm.stop(jobs);
    if (ok) fs.rmSync(dir, { recursive: true, force: true });
    else console.error(`left for inspection: ${dir}`);
  }
}

main().catch((err: unknown) => {
  console.error(`test:slurm failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
