/**
 * The language server's pure parts: finding the quoted name under the cursor and JSON
 * entries by path, the results-file lock (stale when its server is gone), specs made
 * absolute and filled from a results file, and the protocol's lists matching the core's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobLocks, LockHeldError, lockFileOf } from '../../src/server/jobLock';
import { completeSensitivity, normaliseSpec, SpecError } from '../../src/server/jobSpecs';
import { isShardFile, shardFile } from '../../src/core/sensitivity/shards';
import { locateJson, quotedStringAt } from '../../src/server/textLocate';
import { parseDatasetLabel } from '../../src/shared/vocabulary';
import type { SensitivityResults } from '../../src/shared/results';

test('quotedStringAt finds the quoted name under the cursor in JSON, Python and TypeScript', () => {
  const json = '{"name": "conv2_1_sep", "x": 1}';
  assert.deepEqual(quotedStringAt(json, json.indexOf('conv2') + 3), { start: 10, end: 21, value: 'conv2_1_sep' });
  assert.equal(quotedStringAt(json, json.indexOf(':')), undefined);
  const py = "params = ['a_weights', \"b_weights\"]  # 'c'";
  assert.equal(quotedStringAt(py, py.indexOf('b_weights'))?.value, 'b_weights');
  assert.equal(quotedStringAt(py, py.indexOf('a_weights') + 8)?.value, 'a_weights');
  const ts = 'const p = `conv1_weights`;\nconst q = 2;';
  assert.equal(quotedStringAt(ts, ts.indexOf('conv1'))?.value, 'conv1_weights');
  assert.equal(quotedStringAt(ts, ts.indexOf('q =')), undefined);
});

test('locateJson finds a nested entry and keeps what it found in a broken file', () => {
  const text = '{\n  "metadata": {"model": {"fingerprint": "abc", "name": "m"}},\n  "groups": {"g1": {"prunable": false}}\n}';
  const fp = locateJson(text, ['metadata', 'model', 'fingerprint']);
  assert.ok(fp);
  assert.equal(text.slice(fp.value.start, fp.value.end), '"abc"');
  const g = locateJson(text, ['groups', 'g1']);
  assert.equal(g && text.slice(g.key.start, g.key.end), '"g1"');
  assert.equal(locateJson(text, ['groups', 'g2']), undefined);
  const broken = '{"metadata": {"model": {"fingerprint": "abc"';
  assert.ok(locateJson(broken, ['metadata', 'model', 'fingerprint']));
});

test('a lock is refused while its server lives, and taken over once it is gone', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-lock-'));
  const target = path.join(dir, 'sens.json');
  const locks = new JobLocks();
  await locks.acquire(target, 'job-1', 'first');
  await assert.rejects(locks.acquire(target, 'job-2', 'second'), LockHeldError);
  await locks.release(target);
  assert.equal(fs.existsSync(lockFileOf(target)), false);

  // A lock file left by another live process (the parent of this test) is respected...
  fs.writeFileSync(lockFileOf(target), JSON.stringify({ pid: process.ppid, jobId: 'x', title: 'other window', since: 'then' }));
  await assert.rejects(locks.acquire(target, 'job-3', 'third'), /in use by pid \d+ \(other window\) since then/);
  // ...one left by a process that has exited is stale.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  fs.writeFileSync(lockFileOf(target), JSON.stringify({ pid: dead, jobId: 'x', title: 'crashed', since: 'then' }));
  await locks.acquire(target, 'job-4', 'fourth');
  assert.match(JSON.parse(fs.readFileSync(lockFileOf(target), 'utf8')).command, /job job-4\)$/);
  await locks.releaseAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('specs are checked, made absolute, and filled from the results file they extend', () => {
  const base = path.resolve('/work/ws');
  assert.throws(() => normaliseSpec({ kind: 'sensitivity', file: 's.json', ratios: [0, 0.5] }, base), SpecError);
  assert.throws(() => normaliseSpec({ kind: 'reformat' }, base), /unknown job kind "reformat"/);
  const spec = normaliseSpec({ kind: 'sensitivity', file: 's.json', ratios: [0.7] }, base);
  assert.equal(spec.kind === 'sensitivity' && spec.file, path.join(base, 's.json'));
  const existing = {
    metadata: { model: { fingerprint: 'f', name: 'm', path: '/models/m/model.json' }, dataset: { fingerprint: 'd', spec: '/data/fashion:train', count: 10 }, metric: 'top1', criterion: 'l2_norm', ratios: [0.1, 0.2] },
    params: { a_weights: 'a_weights' },
  } as unknown as SensitivityResults;
  const extended = completeSensitivity({ kind: 'sensitivity', file: path.join(base, 's.json'), ratios: [0.7] }, existing, base);
  assert.deepEqual(extended, { kind: 'sensitivity', file: path.join(base, 's.json'), ratios: [0.7], model: '/models/m/model.json', dataset: '/data/fashion', split: 'train', metric: 'top1', criterion: 'l2_norm' });
  const restarted = completeSensitivity({ kind: 'sensitivity', file: path.join(base, 's.json'), restart: true }, existing, base);
  assert.deepEqual([restarted.ratios, restarted.params], [[0.1, 0.2], ['a_weights']]);
  assert.deepEqual(parseDatasetLabel('builtin:test'), { spec: 'builtin', split: 'test' });
});

test('shard files are named beside their results file', () => {
  assert.equal(shardFile('/r/sens.json', 2, 4), '/r/sens.shard-2-of-4.json');
  assert.ok(isShardFile('/r/sens.shard-2-of-4.json'));
  assert.ok(!isShardFile('/r/sens.json'));
});
