import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EXIT_OK } from '../../src/cli/main';
import { autoWorkers } from '../../src/core/jobs/shardedScan';
import { saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import { shardsOf } from '../../src/core/sensitivity/shards';
import { runCli } from './cliHarness';

let dir = '';
let model = '';

before(async () => {
  await tf.setBackend('cpu');
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-parallel-'));
  model = (await saveModel(buildModel('mobilenetV1', { widthMultiplier: 0.25 }), path.join(dir, 'model'))).modelJson;
});

after(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const scan = (file: string, ...extra: string[]): Promise<{ code: number; out: string; err: string }> =>
  runCli('sensitivity', model, '--params', '_sep_weights', '--first', '3', '--ratios', '0.2,0.5', '--engine', 'ort', '--backend', 'cpu', '--file', file, ...extra);

function pointCount(points: Record<string, Record<string, unknown>>): number {
  return Object.values(points).reduce((n, t) => n + Object.keys(t).length, 0);
}

test('--workers 2 measures every point in two processes and leaves only the merged file', async () => {
  const file = path.join(dir, 'workers.json');
  const r = await scan(file, '--workers', '2');
  assert.equal(r.code, EXIT_OK, r.err + r.out);
  assert.match(r.out, /2 worker processes, \d+ ONNX Runtime threads? each/);
  // Balanced by cost: the first group's points recompute most of the network, so it has a shard to itself.
  assert.match(r.out, /\[1\/2\] shard 1 of 2: 1 of the params, 1 group, 36% of the estimated cost/);
  assert.match(r.out, /\[2\/2\] shard 2 of 2: 2 of the params, 2 groups, 64% of the estimated cost/);
  const results = await loadResults(file);
  assert.equal(pointCount(results.points), 6);
  assert.deepEqual(await shardsOf(file), []);
});

test('--shard i/N by hand writes only its share; merging the shards gives the same points', async () => {
  const file = path.join(dir, 'byhand.json');
  const first = await scan(file, '--shard', '1/2');
  assert.equal(first.code, EXIT_OK, first.err);
  const second = await scan(file, '--shard', '2/2');
  assert.equal(second.code, EXIT_OK, second.err);
  const shards = await shardsOf(file);
  assert.equal(shards.length, 2);
  const one = await loadResults(shards.find((s) => s.includes('shard-1-of-2')) as string);
  assert.equal(pointCount(one.points), 2);
  assert.deepEqual(
    one.metadata.shard?.plan?.shares.map((s) => s.groups),
    [['conv2_1_sep_weights'], ['conv2_2_sep_weights', 'conv3_1_sep_weights']],
  );
  assert.deepEqual([one.metadata.shard?.index, one.metadata.shard?.count, one.metadata.shard?.plan?.ratios], [1, 2, [0.2, 0.5]]);
  await assert.rejects(fsp.access(file), 'the results file itself is not written by a shard');
  const merged = await runCli('merge', ...shards, '-o', file);
  assert.equal(merged.code, EXIT_OK, merged.err);
  const all = await loadResults(file);
  const viaWorkers = await loadResults(path.join(dir, 'workers.json'));
  for (const [group, table] of Object.entries(viaWorkers.points)) {
    for (const [ratio, point] of Object.entries(table)) {
      assert.equal((all.points[group]?.[ratio] as { metric?: number } | undefined)?.metric, (point as { metric?: number }).metric, `${group} @ ${ratio}`);
    }
  }
  assert.equal((await scan(file, '--shard', '3/2')).code, 2);
});

test('--workers auto (the default) is one process below 8 cores, then one worker per 4 cores', async () => {
  assert.deepEqual([1, 2, 4, 7, 8, 12, 16, 64].map((c) => autoWorkers(c)), [1, 1, 1, 1, 2, 3, 4, 16]);
  const bad = await scan(path.join(dir, 'bad.json'), '--workers', 'many');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--workers must be an integer >= 1, got "many"/);
  const clash = await scan(path.join(dir, 'clash.json'), '--workers', '2', '--shard', '1/2');
  assert.equal(clash.code, 2);
  assert.match(clash.err, /give --workers or --shard, not both/);
});
