/**
 * One shard's share of a split scan (shardShare.ts): every shard computes the same balanced
 * plan, a shard run again resumes from its file, keeps a plan its siblings recorded, and
 * never drops points measured under another plan.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EXIT_OK } from '../../src/cli/main';
import { saveModel } from '../../src/core/models/io';
import { convParams } from '../../src/core/models/naming';
import { buildModel } from '../../src/core/models/zoo';
import { loadResults, readResultsIfExists, writeResults } from '../../src/core/sensitivity/resultsFile';
import { planShardShare } from '../../src/core/sensitivity/shardShare';
import { shardFile } from '../../src/core/sensitivity/shards';
import { PruneLensError } from '../../src/core/util/errors';
import type { SensitivityResults } from '../../src/shared/results';
import { runCli } from './cliHarness';
import { tempDir } from './sensitivityFixtures';

let dir = '';
let modelFile = '';
let model: tf.LayersModel;
let params: string[] = [];

before(async () => {
  await tf.setBackend('cpu');
  dir = tempDir('prunelens-share-');
  model = buildModel('mobilenetV1', { widthMultiplier: 0.25 });
  modelFile = (await saveModel(model, path.join(dir, 'model'))).modelJson;
  params = convParams(model, '_sep_weights').map((p) => p.name).slice(0, 5);
});

after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const task = (main: string, index: number, count: number): { index: number; count: number; file: string } => ({ index, count, file: shardFile(main, index, count) });

function withShard(results: SensitivityResults, shard: SensitivityResults['metadata']['shard']): SensitivityResults {
  return { ...results, metadata: { ...results.metadata, ...(shard ? { shard } : {}) } };
}

test('every shard computes the same plan; the shares are disjoint and cover every requested param', async () => {
  const main = path.join(dir, 'same.json');
  const shares = [];
  for (let i = 1; i <= 3; i++) shares.push(await planShardShare(model, params, [0.5, 0.2], undefined, task(main, i, 3)));
  assert.deepEqual(shares[1]?.plan, shares[0]?.plan);
  assert.deepEqual(shares[2]?.plan, shares[0]?.plan);
  assert.deepEqual(shares[0]?.plan.ratios, [0.2, 0.5]);
  assert.deepEqual(shares.flatMap((s) => s.params).sort(), [...params].sort());
  // The costliest group (the first) is alone in its shard.
  assert.deepEqual(shares[0]?.params, [params[0]]);
});

test('a shard run again after a partial merge keeps the plan its siblings recorded', async () => {
  const main = path.join(dir, 'kept.json');
  // Shard 1 of 2 ran; its points were merged into the results file (say with --partial).
  const first = await runCli('sensitivity', modelFile, '--params', '_sep_weights', '--first', '5', '--ratios', '0.2,0.5', '--engine', 'ort', '--backend', 'cpu', '--file', main, '--shard', '1/2');
  assert.equal(first.code, EXIT_OK, first.err);
  const one = await loadResults(shardFile(main, 1, 2));
  assert.equal((await runCli('merge', shardFile(main, 1, 2), '-o', main, '--partial')).code, EXIT_OK);
  // A fresh plan would now weigh shard 1's groups as done and move groups between shards.
  const share = await planShardShare(model, params, [0.2, 0.5], await loadResults(main), task(main, 2, 2));
  assert.deepEqual(share.plan.shares.map((s) => s.groups), one.metadata.shard?.plan?.shares.map((s) => s.groups));
  assert.deepEqual(share.params, share.plan.shares[1]?.groups);
  assert.deepEqual((await loadResults(shardFile(main, 2, 2))).metadata.shard?.plan, one.metadata.shard?.plan);
});

test('a shard file from another plan is started over only when the results file holds all its points', async () => {
  const main = path.join(dir, 'stale.json');
  const full = await runCli('sensitivity', modelFile, '--params', '_sep_weights', '--first', '5', '--ratios', '0.2', '--engine', 'ort', '--backend', 'cpu', '--file', main, '--workers', '1');
  assert.equal(full.code, EXIT_OK, full.err);
  const done = await loadResults(main);
  // A shard file of an earlier split whose points were all merged: safe to start over.
  await writeResults(shardFile(main, 1, 2), withShard(done, { index: 1, count: 2 }));
  const share = await planShardShare(model, params, [0.2, 0.7], done, task(main, 1, 2));
  const restarted = await loadResults(shardFile(main, 1, 2));
  assert.deepEqual(restarted.metadata.shard?.plan, share.plan);
  assert.deepEqual(Object.keys(restarted.groups).sort(), [...(share.plan.shares[0]?.groups ?? [])].sort());
  // One holding a point the results file lacks: refused, and left as it was.
  const lacking = withShard({ ...done, points: { ...done.points, [params[4] as string]: {} } }, { index: 2, count: 2 });
  const stray = { ...done, points: { [params[4] as string]: { '0.9': { loss: 0.1, metric: 0.5, channelsPruned: 1, seconds: 1, finishedAt: 't' } } } };
  await writeResults(shardFile(main, 2, 2), withShard(stray, { index: 2, count: 2 }));
  const kept = await fsp.readFile(shardFile(main, 2, 2), 'utf8');
  await assert.rejects(
    planShardShare(model, params, [0.2, 0.7], lacking, task(main, 2, 2)),
    (e: unknown) => e instanceof PruneLensError && /another shard plan and holds 1 point that stale\.json lacks; merge the shard files into stale\.json first/.test(e.message),
  );
  assert.equal(await fsp.readFile(shardFile(main, 2, 2), 'utf8'), kept);
});

test('--shard auto takes the shard from the environment, and a task run again resumes from its file', async () => {
  const main = path.join(dir, 'auto.json');
  const saved = { ...process.env };
  const scan = (): ReturnType<typeof runCli> => runCli('sensitivity', modelFile, '--params', '_sep_weights', '--first', '5', '--ratios', '0.2,0.5', '--engine', 'ort', '--backend', 'cpu', '--file', main, '--shard', 'auto', '--shards', '2');
  try {
    process.env['SLURM_ARRAY_TASK_ID'] = '1';
    process.env['SLURM_ARRAY_TASK_COUNT'] = '2';
    const r = await scan();
    assert.equal(r.code, EXIT_OK, r.err);
    assert.match(r.out, /--shard auto: shard 2 of 2 \(SLURM_ARRAY_TASK_ID=1 with --shards 2\)/);
    assert.match(r.out, /shard 2 of 2: 2 of the params, 2 groups/);
    const file = shardFile(main, 2, 2);
    const measured = await loadResults(file);
    // As if the task had been killed before its last point: it resumes and measures only that one.
    const [last] = Object.keys(measured.points).slice(-1);
    const cut = { ...measured, points: { ...measured.points, [last as string]: { '0.2': measured.points[last as string]?.['0.2'] } } } as SensitivityResults;
    await writeResults(file, cut);
    const again = await scan();
    assert.equal(again.code, EXIT_OK, again.err);
    assert.equal(again.out.match(/^\[\d+\/\d+\] /gm)?.length, 1, again.out);
    assert.equal(Object.values((await readResultsIfExists(file))?.points ?? {}).reduce((n, t) => n + Object.keys(t).length, 0), 4);
    delete process.env['SLURM_ARRAY_TASK_ID'];
    const none = await scan();
    assert.equal(none.code, 2);
    assert.match(none.err, /--shard auto reads the shard from the batch engine, but neither SLURM_ARRAY_TASK_ID/);
  } finally {
    for (const key of ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
});
