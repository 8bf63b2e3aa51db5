/**
 * Where a split scan stands (shardStatus.ts), the checked merge (shardMerge.ts) and the
 * plan and partial marker in the results file: on hand-made shard files, so that every
 * case (a shard missing, short of points, running, stale, written by an older PruneLens)
 * is pinned down without a scan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK } from '../../src/cli/main';
import { formatResults, parseResults, writeResults } from '../../src/core/sensitivity/resultsFile';
import { mergeChecked } from '../../src/core/sensitivity/shardMerge';
import { readShardSet } from '../../src/core/sensitivity/shardSetFiles';
import { describeMissing, shardSetStatus, type LockInfo } from '../../src/core/sensitivity/shardStatus';
import { shardFile } from '../../src/core/sensitivity/shards';
import { PruneLensError } from '../../src/core/util/errors';
import type { SensitivityResults, ShardPlan } from '../../src/shared/results';
import { runCli } from './cliHarness';
import { handResults, tempDir } from './sensitivityFixtures';

const plan: ShardPlan = {
  ratios: [0.2, 0.5],
  shares: [
    { groups: ['a'], cost: 100 },
    { groups: ['b', 'c'], cost: 90 },
    { groups: ['d'], cost: 80 },
  ],
};

function shard(index: number, tables: Parameters<typeof handResults>[0], withPlan: ShardPlan | null = plan): SensitivityResults {
  const r = handResults(tables);
  return { ...r, metadata: { ...r.metadata, shard: { index, count: 3, ...(withPlan ? { plan: withPlan } : {}) } } };
}

const one = shard(1, { a: { 0.2: 0.1, 0.5: 0.3 } });
const two = shard(2, { b: { 0.2: 0.1, 0.5: 0.2 }, c: { 0.2: 0.0 } });
const three = shard(3, { d: { 0.2: 0.1, 0.5: 0.4 } });
const input = (name: string, results: SensitivityResults): { name: string; results: SensitivityResults } => ({ name, results });

test('a full set is complete: every shard done, every planned point there', () => {
  const twoFull = shard(2, { b: { 0.2: 0.1, 0.5: 0.2 }, c: { 0.2: 0.0, 0.5: 0.1 } });
  const status = shardSetStatus([input('s1', one), input('s2', twoFull), input('s3', three)]);
  assert.equal(status.complete, true);
  assert.deepEqual([status.planned, status.present], [8, 8]);
  assert.deepEqual(
    status.shards.map((s) => [s.index, s.state, s.present, s.planned]),
    [
      [1, 'done', 2, 2],
      [2, 'done', 4, 4],
      [3, 'done', 2, 2],
    ],
  );
  assert.equal(describeMissing(status), 'nothing');
});

test('one shard file is enough to know what the others owe', () => {
  const status = shardSetStatus([input('s2', two)]);
  assert.equal(status.complete, false);
  assert.deepEqual(status.missingShards, [1, 3]);
  assert.deepEqual(status.missingPoints, { a: ['0.2', '0.5'], c: ['0.5'], d: ['0.2', '0.5'] });
  assert.deepEqual(
    status.shards.map((s) => s.state),
    ['missing', 'incomplete', 'missing'],
  );
  assert.equal(describeMissing(status), 'shards 1, 3 (no file); shard 2 (incomplete, 3 of 4 points); 5 points missing: a @ 0.2, 0.5; c @ 0.5; d @ 0.2, 0.5');
});

test('a live lock makes a shard running, a dead one is reported stale', () => {
  const alive: LockInfo = { pid: 42, alive: true };
  const elsewhere: LockInfo = { pid: 43, host: 'node7', alive: undefined };
  const dead: LockInfo = { pid: 44, alive: false };
  const status = shardSetStatus(
    [input('s2', two), input('s3', shard(3, { d: { 0.2: 0.1 } }))],
    new Map([
      ['1/3', elsewhere],
      ['2/3', alive],
      ['3/3', dead],
    ]),
  );
  assert.deepEqual(
    status.shards.map((s) => s.state),
    ['running', 'running', 'incomplete'],
  );
  assert.ok(status.notes.some((n) => /s3 has a stale lock \(pid 44/.test(n)));
});

test('points already in the results file count for the shard that owes them', () => {
  const main = handResults({ a: { 0.2: 0.1, 0.5: 0.3 }, c: { 0.5: 0.1 } });
  const status = shardSetStatus([input('main', main), input('s2', two), input('s3', three)]);
  assert.equal(status.complete, true);
  assert.deepEqual(status.shards[0], { index: 1, count: 3, state: 'done', planned: 2, present: 2, groups: ['a'] });
});

test('shard files without a plan (an older PruneLens) still show which shards are missing', () => {
  const status = shardSetStatus([input('s1', shard(1, { a: { 0.2: 0.1 } }, null))]);
  assert.deepEqual(status.missingShards, [2, 3]);
  assert.equal(status.shards[0]?.state, 'done');
  assert.ok(status.notes.some((n) => /without a shard plan/.test(n)));
  assert.equal(status.complete, false);
  // No shard files at all: nothing to wait for.
  assert.equal(shardSetStatus([input('main', handResults({ a: { 0.2: 0.1 } }))]).complete, true);
});

test('shards of two different splits are each checked', () => {
  const other: ShardPlan = { ratios: [0.7], shares: [{ groups: ['a', 'b', 'c', 'd'], cost: 1 }, { groups: [], cost: 0 }, { groups: [], cost: 0 }] };
  const status = shardSetStatus([input('s1', one), input('s1b', shard(1, { a: { 0.7: 0.5 } }, other))]);
  assert.ok(status.notes.some((n) => /2 different splits/.test(n)));
  assert.equal(status.shards.length, 6);
  assert.deepEqual(status.missingPoints['b'], ['0.2', '0.5', '0.7']);
});

test('merge refuses an incomplete shard set, naming what is missing; --partial marks what it writes', () => {
  assert.throws(
    () => mergeChecked([one, three], ['s1', 's3']),
    (e: unknown) => e instanceof PruneLensError && /the shard set is incomplete: shard 2 \(no file\); 4 points missing: b @ 0\.2, 0\.5; c @ 0\.2, 0\.5/.test(e.message) && /--partial/.test(e.message),
  );
  const partial = mergeChecked([one, three], ['s1', 's3'], { partial: true });
  assert.deepEqual(partial.results.metadata.partial, { missingShards: [2], missingPoints: { b: ['0.2', '0.5'], c: ['0.2', '0.5'] } });
  assert.equal(partial.results.metadata.shard, undefined);
  assert.ok(partial.warnings.some((w) => /^partial result: shard 2 \(no file\)/.test(w)));
  // The rest merged in later: the marker goes, and a marker alone keeps its points expected.
  const twoFull = shard(2, { b: { 0.2: 0.1, 0.5: 0.2 }, c: { 0.2: 0.0, 0.5: 0.1 } });
  const done = mergeChecked([partial.results, twoFull], ['main', 's2']);
  assert.equal(done.results.metadata.partial, undefined);
  assert.equal(done.status.complete, true);
  assert.throws(() => mergeChecked([partial.results], ['main']), /incomplete: 4 points missing: b @ 0\.2, 0\.5; c @ 0\.2, 0\.5/);
});

test('the plan and the partial marker round-trip through the file; files without them still read', () => {
  const marked = mergeChecked([one, three], ['s1', 's3'], { partial: true }).results;
  for (const results of [one, marked, handResults({ a: { 0.2: 0.1 } })]) assert.deepEqual(parseResults(formatResults(results), 'x.json'), results);
  const bad = JSON.parse(formatResults(one)) as { metadata: { shard: { plan: { shares: unknown[] } } } };
  bad.metadata.shard.plan.shares.pop();
  assert.throws(() => parseResults(JSON.stringify(bad), 'x.json'), /\$\.metadata\.shard\.plan\.shares: expected one share per shard \(3\), found 2/);
});

test('status and merge from the command line: what is missing, --check, --partial', async () => {
  const dir = tempDir('prunelens-status-');
  const main = path.join(dir, 'sens.json');
  await writeResults(shardFile(main, 1, 3), one);
  await writeResults(shardFile(main, 3, 3), three);
  fs.writeFileSync(`${shardFile(main, 2, 3)}.lock`, JSON.stringify({ pid: process.pid, jobId: 'j', title: 't', since: '2026-01-01T00:00:00Z' }));
  const report = await readShardSet(shardFile(main, 3, 3));
  assert.equal(report.main, main);
  assert.deepEqual([report.mainExists, report.shards[1]?.state, report.shards[1]?.lock?.pid], [false, 'running', process.pid]);
  const status = await runCli('status', main);
  assert.equal(status.code, EXIT_OK, status.err);
  assert.match(status.out, /sens\.json \(not written yet\): 2 of 3 shards done \(split 3 ways\), ratios 0\.2, 0\.5/);
  assert.match(status.out, /shard 2\/3 +running +0\/4 points +\(no file\) +lock: pid \d+ since 2026-01-01T00:00:00Z/);
  assert.match(status.out, /points: 4 of 8 planned are measured; missing: shard 2 \(running, 0 of 4 points\); 4 points missing: b @ 0\.2, 0\.5; c @ 0\.2, 0\.5\nincomplete$/);
  const check = await runCli('status', main, '--check');
  assert.equal(check.code, EXIT_FAILED);
  assert.match(check.err, /sens\.json: incomplete: shard 2/);
  const json = JSON.parse((await runCli('status', main, '--json')).out) as { complete: boolean; missingPoints: Record<string, string[]> };
  assert.deepEqual([json.complete, json.missingPoints['c']], [false, ['0.2', '0.5']]);
  const refused = await runCli('merge', shardFile(main, 1, 3), shardFile(main, 3, 3), '-o', main);
  assert.equal(refused.code, EXIT_FAILED);
  assert.match(refused.err, /the shard set is incomplete: shard 2 \(no file\)/);
  assert.ok(!fs.existsSync(main), 'nothing written');
  const partial = await runCli('merge', shardFile(main, 1, 3), shardFile(main, 3, 3), '-o', main, '--partial');
  assert.equal(partial.code, EXIT_OK, partial.err);
  assert.match(partial.out, /warning: partial result/);
  const nothing = path.join(dir, 'none.json');
  assert.match((await runCli('status', nothing)).out, /none\.json: no results file and no shard files yet/);
  assert.equal((await runCli('status', nothing, '--check')).code, EXIT_FAILED);
  fs.rmSync(dir, { recursive: true, force: true });
});
