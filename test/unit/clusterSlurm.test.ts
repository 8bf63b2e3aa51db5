/**
 * The Slurm generator (src/core/cluster/slurm.ts): every field of the three scripts, their
 * shell syntax, and what they do, run against stand-ins for sbatch, scontrol and prunelens
 * that record how they were called. The real thing runs in test/slurm/run.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { slurmScripts, type SlurmOptions } from '../../src/core/cluster/slurm';
import { UsageError } from '../../src/core/util/errors';
import { tempDir } from './sensitivityFixtures';

const dir = tempDir('prunelens-slurm-gen-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const options: SlurmOptions = {
  model: 'models/mobilenet/model.json',
  data: '/shared/data/digits',
  file: 'results/sens.json',
  shards: 4,
  scanArgs: ['--params', '_sep_weights', '--ratios', '0.2,0.5'],
  prunelens: ['node', '/opt/prunelens/dist/cli.js'],
  threads: 2,
  name: 'mnv1',
  workdir: '/shared/scan',
  memory: '6G',
  time: '00:30:00',
  partition: 'cpu',
  account: 'ml',
  retries: 2,
  maxParallel: 3,
  setup: ['module load nodejs/20'],
};

function sbatchLines(script: string): string[] {
  return script.split('\n').filter((l) => l.startsWith('#SBATCH '));
}

test('scan.sbatch: an array of N tasks with their resources, requeue, logs on the shared folder', () => {
  const scan = slurmScripts(options)['scan.sbatch'];
  assert.ok(scan.startsWith('#!/bin/bash\n'));
  assert.deepEqual(sbatchLines(scan), [
    '#SBATCH --job-name=mnv1-scan',
    '#SBATCH --array=0-3%3',
    '#SBATCH --cpus-per-task=2',
    '#SBATCH --mem=6G',
    '#SBATCH --time=00:30:00',
    '#SBATCH --output=/shared/scan/logs/mnv1-scan-%A_%a.out',
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    '#SBATCH --chdir=/shared/scan',
    '#SBATCH --partition=cpu',
    '#SBATCH --account=ml',
  ]);
  assert.ok(scan.includes('\nmodule load nodejs/20\n'));
  // Relative paths are resolved against the shared folder; the index comes from Slurm.
  assert.ok(
    scan.includes(
      '\nnode /opt/prunelens/dist/cli.js sensitivity /shared/scan/models/mobilenet/model.json --file /shared/scan/results/sens.json --data /shared/data/digits --shard auto --shards 4 --threads 2 --params _sep_weights --ratios 0.2,0.5\n',
    ),
  );
  assert.ok(scan.includes('if [ "$status" -gt 128 ] && [ "${SLURM_RESTART_COUNT:-0}" -lt 2 ]; then'));
  assert.ok(scan.includes('  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"\n'));
});

test('merge.sbatch and submit.sh: the merge waits on the array with afterok', () => {
  const { partition: _partition, account: _account, maxParallel: _maxParallel, ...plain } = options;
  const files = slurmScripts(plain);
  assert.deepEqual(sbatchLines(files['merge.sbatch']), [
    '#SBATCH --job-name=mnv1-merge',
    '#SBATCH --cpus-per-task=1',
    '#SBATCH --mem=6G',
    '#SBATCH --time=01:00:00',
    '#SBATCH --output=/shared/scan/logs/mnv1-merge-%j.out',
    '#SBATCH --chdir=/shared/scan',
  ]);
  assert.ok(files['merge.sbatch'].includes('node /opt/prunelens/dist/cli.js merge "$@" -o /shared/scan/results/sens.json\n'));
  assert.ok(files['merge.sbatch'].includes('for shard in /shared/scan/results/sens.shard-*-of-4.json; do'));
  assert.ok(files['scan.sbatch'].includes('#SBATCH --array=0-3\n'));
  const submit = files['submit.sh'];
  assert.ok(submit.includes('scan=$(sbatch --parsable ${array[@]+"${array[@]}"} "$here/scan.sbatch")'));
  assert.ok(submit.includes('merge=$(sbatch --parsable --dependency=afterok:"$scan" --kill-on-invalid-dep=yes "$here/merge.sbatch")'));
  assert.ok(submit.includes("echo 'status: node /opt/prunelens/dist/cli.js status /shared/scan/results/sens.json'"));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, `syntax-${name}`);
    fs.writeFileSync(file, text);
    assert.equal(spawnSync('bash', ['-n', file]).status, 0, `${name} is valid bash`);
  }
});

test('bad options are refused with what is expected', () => {
  const bad: [Partial<SlurmOptions>, RegExp][] = [
    [{ scanArgs: ['--file', 'x.json'] }, /--file is set by the generated job itself/],
    [{ scanArgs: ['--shard=auto'] }, /--shard is set by the generated job itself/],
    [{ scanArgs: ['model.json'] }, /must start with an option/],
    [{ memory: '6 GB' }, /--mem must be a size as sbatch takes it/],
    [{ time: 'an hour' }, /--time must be a time limit/],
    [{ name: 'my scan' }, /--name must be letters, digits/],
    [{ shards: 0 }, /--shards must be a whole number >= 1/],
    [{ workdir: 'relative' }, /must be an absolute path/],
    [{ workdir: '/shared/my scan' }, /sbatch directives cannot quote/],
  ];
  for (const [change, pattern] of bad) assert.throws(() => slurmScripts({ ...options, ...change }), (e: unknown) => e instanceof UsageError && pattern.test(e.message), pattern.source);
});

/** Stand-ins on PATH that append how they were called to calls.log. */
function standIns(): { bin: string; log: string } {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'calls.log');
  fs.mkdirSync(bin, { recursive: true });
  const record = (name: string, tail: string): void => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${tail}\n`, { mode: 0o755 });
  record('sbatch', 'case "$*" in *merge.sbatch*) echo 102 ;; *) echo "101;cluster" ;; esac');
  record('scontrol', 'exit 0');
  record('prunelens', 'exit "${FAKE_EXIT:-0}"');
  return { bin, log };
}

test('the scripts, run: submit chains the merge after the array; a task killed by a signal requeues itself, an error does not', () => {
  const { bin, log } = standIns();
  const shared = path.join(dir, 'shared');
  const files = slurmScripts({ ...options, workdir: shared, prunelens: ['prunelens'], setup: [] });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
  const run = (script: string, args: string[], extra: Record<string, string> = {}): { status: number | null; out: string } => {
    fs.writeFileSync(log, '');
    const r = spawnSync('bash', [path.join(dir, script), ...args], { env: { ...env, ...extra }, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  };
  const submitted = run('submit.sh', []);
  assert.equal(submitted.status, 0, submitted.out);
  assert.match(submitted.out, /^submitted: scan job 101, merge job 102$/m);
  assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), [
    `sbatch --parsable ${dir}/scan.sbatch`,
    `sbatch --parsable --dependency=afterok:101 --kill-on-invalid-dep=yes ${dir}/merge.sbatch`,
  ]);
  assert.ok(fs.existsSync(path.join(shared, 'logs')));
  run('submit.sh', ['1,3']);
  assert.match(fs.readFileSync(log, 'utf8'), /^sbatch --parsable --array=1,3 /);
  const task = { SLURM_ARRAY_JOB_ID: '101', SLURM_ARRAY_TASK_ID: '1' };
  const killed = run('scan.sbatch', [], { ...task, FAKE_EXIT: '137' });
  assert.equal(killed.status, 137);
  assert.match(fs.readFileSync(log, 'utf8'), /^scontrol requeue 101_1$/m);
  assert.match(killed.out, /stopped by signal 9; requeueing it/);
  for (const [why, extra] of [
    ['a usage error', { FAKE_EXIT: '2' }],
    ['the last retry', { FAKE_EXIT: '137', SLURM_RESTART_COUNT: '2' }],
  ] as const) {
    run('scan.sbatch', [], { ...task, ...extra });
    assert.doesNotMatch(fs.readFileSync(log, 'utf8'), /scontrol/, why);
  }
});

test('the merge takes the results file first, then every shard file of this split', () => {
  const { bin, log } = standIns();
  const shared = path.join(dir, 'merge');
  const results = path.join(shared, 'results');
  fs.mkdirSync(results, { recursive: true });
  for (const name of ['sens.json', 'sens.shard-2-of-4.json', 'sens.shard-1-of-4.json', 'sens.shard-1-of-2.json', 'other.shard-3-of-4.json']) fs.writeFileSync(path.join(results, name), '{}');
  const merge = path.join(dir, 'merge.sbatch');
  fs.writeFileSync(merge, slurmScripts({ ...options, workdir: shared, prunelens: ['prunelens'], setup: [] })['merge.sbatch']);
  fs.writeFileSync(log, '');
  execFileSync('bash', [merge], { env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
  const main = path.join(results, 'sens.json');
  assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), [
    `prunelens merge ${main} ${path.join(results, 'sens.shard-1-of-4.json')} ${path.join(results, 'sens.shard-2-of-4.json')} -o ${main}`,
    `prunelens status ${main}`,
  ]);
});
