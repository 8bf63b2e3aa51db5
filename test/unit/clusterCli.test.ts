import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { runCli } from './cliHarness';
import { tempDir } from './sensitivityFixtures';

const dir = tempDir('prunelens-cluster-cli-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('cluster slurm writes the three scripts, with the options after "--" passed to every task', async () => {
  const out = path.join(dir, 'slurm');
  const args = ['cluster', 'slurm', 'model/model.json', '--file', 'sens.json', '--shards', '4', '--workdir', dir, '--cpus', '2', '-o', out, '--', '--params', '_sep_weights', '--ratios', '0.2,0.5'];
  const r = await runCli(...args);
  assert.equal(r.code, EXIT_OK, r.err);
  assert.match(r.out, /then submit: bash .*submit\.sh/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['merge.sbatch', 'scan.sbatch', 'submit.sh']);
  assert.equal(fs.statSync(path.join(out, 'submit.sh')).mode & 0o777, 0o755);
  const scan = fs.readFileSync(path.join(out, 'scan.sbatch'), 'utf8');
  assert.ok(scan.includes(`prunelens sensitivity ${dir}/model/model.json --file ${dir}/sens.json --shard auto --shards 4 --threads 2 --params _sep_weights --ratios 0.2,0.5\n`));
  assert.ok(scan.includes('#SBATCH --mem=8G\n#SBATCH --time=02:00:00\n'));
  // Scripts someone may have edited are not replaced unless forced.
  const again = await runCli(...args);
  assert.equal(again.code, EXIT_FAILED);
  assert.match(again.err, /already holds scan\.sbatch, merge\.sbatch, submit\.sh; choose another folder, or --force/);
  const split = args.indexOf('--');
  assert.equal((await runCli(...args.slice(0, split), '--force', ...args.slice(split))).code, EXIT_OK);
});

test('cluster k8s writes the manifests and needs an image; usage errors name what is wrong', async () => {
  const out = path.join(dir, 'k8s');
  const base = ['cluster', 'k8s', 'model.json', '--file', 'results/sens.json', '--shards', '3', '-o', out];
  const noImage = await runCli(...base);
  assert.equal(noImage.code, EXIT_USAGE);
  assert.match(noImage.err, /--image is required/);
  const r = await runCli(...base, '--image', 'prunelens:1', '--storage', '20Gi', '--prunelens', 'node /opt/prunelens/dist/cli.js');
  assert.equal(r.code, EXIT_OK, r.err);
  assert.deepEqual(fs.readdirSync(out).sort(), ['claim.json', 'merge-job.json', 'scan-job.json', 'submit.sh']);
  const job = JSON.parse(fs.readFileSync(path.join(out, 'scan-job.json'), 'utf8')) as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
  assert.deepEqual(job.spec.template.spec.containers[0]?.command.slice(0, 5), ['node', '/opt/prunelens/dist/cli.js', 'sensitivity', '/work/model.json', '--file']);
  for (const [argv, pattern] of [
    [['cluster', 'pbs', 'm.json', '--file', 'f.json', '--shards', '2'], /expected slurm or k8s, then MODEL/],
    [['cluster', 'slurm', 'm.json', '--file', 'f.json'], /--shards N is required/],
    [['cluster', 'slurm', 'm.json', '--shards', '2'], /--file is required/],
    [['cluster', 'slurm', 'm.json', '--file', 'f.json', '--shards', '2', '--', '--shard', '1/2'], /--shard is set by the generated job itself/],
  ] as const) {
    const bad = await runCli(...argv);
    assert.equal(bad.code, EXIT_USAGE, argv.join(' '));
    assert.match(bad.err, pattern);
  }
});
