/**
 * One writer per results file: two scans on one file, a scan and the language server, a
 * holder that died, a writer that lost its lock, an orphaned shard writer, and the workers
 * of a parent killed with SIGKILL. Each case checks the exit code, the message and the bytes
 * of the files before and after.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK } from '../../src/cli/main';
import { loadResults, writeResults } from '../../src/core/sensitivity/resultsFile';
import { shardFile } from '../../src/core/sensitivity/shards';
import { acquireLock, lockFileOf } from '../../src/core/util/fileLock';
import { JobLocks } from '../../src/server/jobLock';
import type { SensitivityResults } from '../../src/shared/results';
import { childrenOf, deadPid, gone, hashOf, runCli, saveTinyModel, startCli, tempDir, writeIdx } from './faultKit';

let dir = '';
let model = '';
let data = '';
let slowData = '';

before(async () => {
  dir = tempDir('prunelens-fault-locks-');
  model = await saveTinyModel(path.join(dir, 'model'));
  data = writeIdx(path.join(dir, 'data'));
  slowData = writeIdx(path.join(dir, 'slow'), 28, 400);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function scanArgs(file: string, params: string, ...extra: string[]): string[] {
  return ['sensitivity', model, '--data', data, '--params', params, '--ratios', '0.25,0.5', '--metric', 'agreement', '--engine', 'ort', '--backend', 'cpu', '--workers', '1', '--file', file, ...extra];
}

function pointsOf(results: SensitivityResults): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, table] of Object.entries(results.points)) for (const [ratio, p] of Object.entries(table)) out.set(`${group}@${ratio}`, p.finishedAt);
  return out;
}

/** A lock file naming another live process (the test runner) with `command`. */
function foreignLock(file: string, command: string, pid = process.ppid): string {
  const lock = lockFileOf(file);
  fs.writeFileSync(lock, JSON.stringify({ pid, host: os.hostname(), command, since: '2025-01-01T00:00:00.000Z', token: 'feedfacefeedface' }));
  return lock;
}

test('two scans started together on one file both finish, and the file holds both sets of points', async () => {
  const file = path.join(dir, 'together.json');
  // Held until both scans wait for it, so that they surely run at the same time.
  const gate = await acquireLock(file, { label: 'the fault suite' });
  const a = startCli(...scanArgs(file, 'c1'));
  const b = startCli(...scanArgs(file, 'c3'));
  const waiting = /together\.json is in use by pid \d+ \(the fault suite\) since \S+; waiting for it to finish/;
  await Promise.all([a.waitFor(waiting), b.waitFor(waiting)]);
  await gate.release();
  const [ea, eb] = await Promise.all([a.exited, b.exited]);
  assert.equal(ea.code, EXIT_OK, a.out());
  assert.equal(eb.code, EXIT_OK, b.out());
  // One of them waited for the other as well, and then extended the file rather than replacing it.
  const points = pointsOf(await loadResults(file));
  assert.deepEqual([...points.keys()].sort(), ['c1_weights@0.25', 'c1_weights@0.5', 'c3_weights@0.25', 'c3_weights@0.5']);
  assert.equal(fs.existsSync(lockFileOf(file)), false);
});

test('--no-wait exits 1 at once naming the holder (pid, command, since when); the file and the lock stay as they were', async () => {
  const file = path.join(dir, 'nowait.json');
  assert.equal((await runCli(...scanArgs(file, 'c1'))).code, EXIT_OK);
  const before = hashOf(file);
  const lock = foreignLock(file, 'prunelens sensitivity elsewhere');
  const lockBefore = hashOf(lock);
  const r = await runCli(...scanArgs(file, 'c2', '--no-wait'));
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, /nowait\.json: is in use by pid \d+ \(prunelens sensitivity elsewhere\) since 2025-01-01T00:00:00\.000Z; wait for it to finish/);
  assert.equal(hashOf(file), before);
  assert.equal(hashOf(lock), lockBefore);
  fs.rmSync(lock);
});

test('a lock whose holder died is taken over, and removed when the scan ends', async () => {
  const file = path.join(dir, 'stale.json');
  foreignLock(file, 'prunelens sensitivity (killed)', deadPid());
  const r = await runCli(...scanArgs(file, 'c1', '--no-wait'));
  assert.equal(r.code, EXIT_OK, r.err);
  assert.equal(pointsOf(await loadResults(file)).size, 2);
  assert.equal(fs.existsSync(lockFileOf(file)), false);
});

test('the language server and the CLI take the same lock: each refuses while the other writes', async () => {
  const file = path.join(dir, 'shared.json');
  assert.equal((await runCli(...scanArgs(file, 'c1'))).code, EXIT_OK);
  const before = hashOf(file);
  const server = new JobLocks();
  await server.acquire(file, 'job-1', 'Sensitivity: shared.json');
  const r = await runCli(...scanArgs(file, 'c2', '--no-wait'));
  assert.equal(r.code, EXIT_FAILED);
  // The server runs in this test's process here, so the holder is "this process".
  assert.match(r.err, /shared\.json: is in use by this process \(Sensitivity: shared\.json \(PruneLens server, job job-1\)\) since \S+; wait for it to finish, or cancel it/);
  assert.equal(hashOf(file), before);
  await server.release(file);

  const cli = await acquireLock(file, { label: 'prunelens sensitivity model --file shared.json' });
  await assert.rejects(server.acquire(file, 'job-2', 'Sensitivity: shared.json'), /is in use by this process \(prunelens sensitivity model --file shared\.json\)/);
  await cli.release();
  assert.equal(hashOf(file), before);
});

test('a writer whose lock was taken over stops instead of writing over the new holder', async () => {
  const file = path.join(dir, 'lost.json');
  assert.equal((await runCli(...scanArgs(file, 'c1'))).code, EXIT_OK);
  const results = await loadResults(file);
  const before = hashOf(file);
  const lock = await acquireLock(file);
  // Another process took the lock over (as happens when this one's parent died).
  foreignLock(file, 'prunelens sensitivity (the new holder)');
  await assert.rejects(writeResults(file, results), /lost\.json: the lock .* no longer names this process \(it is held by pid \d+ \(prunelens sensitivity \(the new holder\)\)/);
  assert.equal(hashOf(file), before);
  await lock.release();
  assert.ok(fs.existsSync(lockFileOf(file)), "releasing a lost lock leaves the new holder's lock");
  fs.rmSync(lockFileOf(file));
});

test('a rerun refuses a shard file that another live process is still writing, and leaves it', async () => {
  const file = path.join(dir, 'orphan.json');
  assert.equal((await runCli(...scanArgs(file, 'c1'))).code, EXIT_OK);
  const shard = shardFile(file, 1, 2);
  fs.copyFileSync(file, shard);
  foreignLock(shard, 'prunelens worker (of a parent that died)');
  const before = [hashOf(file), hashOf(shard)];
  const r = await runCli(...scanArgs(file, 'c1,c2', '--workers', '2'));
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, /orphan\.shard-1-of-2\.json: is in use by pid \d+ \(prunelens worker \(of a parent that died\)\)/);
  assert.deepEqual([hashOf(file), hashOf(shard)], before);
  fs.rmSync(lockFileOf(shard));
});

test('SIGKILL of the parent of --workers: its workers exit, and a rerun resumes with every finished point kept', async () => {
  const file = path.join(dir, 'killed.json');
  const args = ['sensitivity', model, '--data', slowData, '--metric', 'agreement', '--engine', 'tfjs', '--backend', 'cpu', '--workers', '2', '--file', file];
  const parent = startCli(...args);
  await parent.waitFor(/\[\d\/2\] \[\d+\/\d+\] c\d_weights/);
  const workers = childrenOf(parent.child.pid as number);
  assert.equal(workers.length, 2, 'both workers run when the parent is killed');
  parent.child.kill('SIGKILL');
  await parent.exited;
  await gone(workers);
  // What is on disk now: the results file (maybe none yet) and the shards the workers wrote.
  const onDisk = new Map<string, string>();
  for (const f of [file, shardFile(file, 1, 2), shardFile(file, 2, 2)]) {
    if (fs.existsSync(f)) for (const [k, v] of pointsOf(await loadResults(f))) onDisk.set(k, v);
  }
  assert.ok(onDisk.size > 0 && onDisk.size < 27, `${onDisk.size} points on disk when the parent died`);
  const rerun = await runCli(...args);
  assert.equal(rerun.code, EXIT_OK, rerun.err);
  const final = pointsOf(await loadResults(file));
  assert.equal(final.size, 27, `${[...onDisk.keys()].join(' ')}\n${rerun.out}`);
  for (const [key, finishedAt] of onDisk) assert.equal(final.get(key), finishedAt, `${key} was measured again`);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('killed.') && n !== 'killed.json'), [], 'no shard or lock file is left');
});

test('SIGKILL of one worker of --workers 2: it is started again, resumes its shard, and the scan finishes with every point once', async () => {
  const file = path.join(dir, 'worker-killed.json');
  const parent = startCli('sensitivity', model, '--data', slowData, '--metric', 'agreement', '--engine', 'tfjs', '--backend', 'cpu', '--workers', '2', '--file', file);
  await parent.waitFor(/\[1\/2\] \[\d+\/\d+\] c\d_weights/);
  const before = new Map<string, string>();
  for (const shard of [shardFile(file, 1, 2), shardFile(file, 2, 2)]) {
    if (fs.existsSync(shard)) for (const [k, v] of pointsOf(await loadResults(shard))) before.set(k, v);
  }
  assert.ok(before.size > 0);
  const [first] = childrenOf(parent.child.pid as number);
  assert.ok(first !== undefined);
  process.kill(first, 'SIGKILL');
  const exit = await parent.exited;
  assert.equal(exit.code, EXIT_OK, parent.out());
  assert.match(parent.out(), /was killed \(SIGKILL\); starting it again to resume \(1 of 2\)/);
  const final = pointsOf(await loadResults(file));
  assert.equal(final.size, 27);
  for (const [key, finishedAt] of before) assert.equal(final.get(key), finishedAt, `${key} was measured again`);
});
