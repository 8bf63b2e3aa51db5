/**
 * Writing files: long but legal names work (the names PruneLens derives from them are
 * shortened to fit), names too long fail before any work, a failed write says why (never
 * the cleanup's error instead) and keeps the file, a full disk is survived and resumed, a
 * results file that is a symbolic link is written through, earlier results are kept in
 * numbered generations, and the results reader refuses what no scan can have written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { keepPrevious } from '../../src/core/sensitivity/generations';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import { writeFileAtomic } from '../../src/core/util/atomicWrite';
import type { SensitivityResults } from '../../src/shared/results';
import { hashOf, runCli, saveTinyModel, snapshot, tempDir, writeIdx } from './faultKit';

let dir = '';
let model = '';
let data = '';

before(async () => {
  dir = tempDir('prunelens-fault-files-');
  model = await saveTinyModel(path.join(dir, 'model'));
  data = writeIdx(path.join(dir, 'data'), 28, 32);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function scan(file: string, ...extra: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCli('sensitivity', model, '--data', data, '--ratios', '0.25,0.5', '--metric', 'agreement', '--engine', 'ort', '--backend', 'cpu', '--workers', '1', '--file', file, ...extra);
}

/** The parts of a results file the cases below edit by hand. */
interface EditableResults {
  metadata: { baseline: number };
  params: Record<string, string>;
  groups: Record<string, { params: string[] }>;
  points: Record<string, Record<string, { channelsPruned?: number }>>;
}

function group(r: EditableResults, id: string): { params: string[] } {
  const g = r.groups[id];
  assert.ok(g !== undefined, `group ${id}`);
  return g;
}

function finished(results: SensitivityResults): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, table] of Object.entries(results.points)) for (const [ratio, p] of Object.entries(table)) out.set(`${group}@${ratio}`, p.finishedAt);
  return out;
}

test('a 250-character --file works, alone and split over workers: lock, temp and shard names are shortened to fit', async () => {
  const folder = path.join(dir, 'long');
  fs.mkdirSync(folder);
  const file = path.join(folder, `${'r'.repeat(245)}.json`);
  assert.equal(path.basename(file).length, 250);
  const r = await scan(file);
  assert.equal(r.code, EXIT_OK, r.err);
  assert.equal(finished(await loadResults(file)).size, 6);
  const split = path.join(folder, `${'s'.repeat(245)}.json`);
  const w = await scan(split, '--workers', '2');
  assert.equal(w.code, EXIT_OK, w.err);
  assert.equal(finished(await loadResults(split)).size, 6);
  assert.deepEqual(fs.readdirSync(folder).sort(), [path.basename(file), path.basename(split)], 'nothing else is left');
});

test('a 250-character prune --out works', async () => {
  const out = path.join(dir, 'p'.repeat(250));
  const r = await runCli('prune', model, '--ratio', 'c2_weights=0.5', '--out', out);
  assert.equal(r.code, EXIT_OK, r.err);
  assert.deepEqual(fs.readdirSync(out).sort(), ['model.json', 'pruning-plan.json', 'weights.bin']);
});

test('a name longer than the file system allows fails before any work, saying so', async () => {
  const before = snapshot(dir);
  const file = path.join(dir, `${'x'.repeat(300)}.json`);
  const r = await scan(file);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /: the results file name is 305 bytes long; file systems allow at most 255 bytes in one name/);
  assert.doesNotMatch(r.out, /analysing|\[\d+\/\d+\]/, 'refused before any work');
  const out = await runCli('prune', model, '--ratio', 'c2_weights=0.5', '--out', path.join(dir, 'q'.repeat(256)));
  assert.equal(out.code, EXIT_USAGE);
  assert.match(out.err, /the output folder name is 256 bytes long/);
  assert.deepEqual(snapshot(dir), before);
});

test('a failed write reports its own error, never the cleanup\'s, and leaves the file as it was', async (t) => {
  const file = path.join(dir, 'target.txt');
  fs.writeFileSync(file, 'before\n');
  t.mock.method(fs.promises, 'rename', () => Promise.reject(Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), { code: 'EXDEV' })));
  t.mock.method(fs.promises, 'rm', () => Promise.reject(Object.assign(new Error('EACCES: permission denied, rm'), { code: 'EACCES' })));
  await assert.rejects(writeFileAtomic(file, 'after\n'), /target\.txt: could not write \(EXDEV: cross-device link not permitted, rename\)/);
  t.mock.restoreAll();
  assert.equal(fs.readFileSync(file, 'utf8'), 'before\n');
  for (const name of fs.readdirSync(dir).filter((n) => n.startsWith('.target.txt.'))) fs.rmSync(path.join(dir, name));
});

test('a full disk (ENOSPC) stops the scan with the reason, keeps every point written, and the rerun resumes', async (t) => {
  const file = path.join(dir, 'full.json');
  const open = fs.promises.open.bind(fs.promises);
  let temps = 0;
  t.mock.method(fs.promises, 'open', async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await open(...args);
    // The third write of the results file finds the disk full.
    if (String(args[0]).endsWith('.tmp') && path.basename(String(args[0])).startsWith('.full.json.') && ++temps >= 3) {
      handle.writeFile = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    }
    return handle;
  });
  const r = await scan(file);
  t.mock.restoreAll();
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, /full\.json: could not write \(ENOSPC: no space left on device, write\)/);
  const kept = finished(await loadResults(file));
  assert.equal(kept.size, 2, 'the two points written before the disk filled are there');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('.full.json') || n === 'full.json.lock'), [], 'no temporary or lock file is left');
  const again = await scan(file);
  assert.equal(again.code, EXIT_OK, again.err);
  const all = finished(await loadResults(file));
  assert.equal(all.size, 6);
  for (const [key, at] of kept) assert.equal(all.get(key), at, `${key} was measured again`);
});

test('a results file that is a symbolic link is written through to its target, and the link stays', async () => {
  const target = path.join(dir, 'real-results.json');
  const link = path.join(dir, 'linked.json');
  fs.symlinkSync(target, link);
  const r = await scan(link);
  assert.equal(r.code, EXIT_OK, r.err);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(finished(await loadResults(target)).size, 6);
  // Starting over keeps the link too: the file it leads to is the one kept.
  const kept = await keepPrevious(link);
  assert.equal(kept, path.join(fs.realpathSync(dir), 'real-results.previous.json'));
  assert.ok(fs.lstatSync(link).isSymbolicLink());
});

test('starting over keeps every earlier generation: .previous.json is the newest, older ones are numbered', async () => {
  const file = path.join(dir, 'gen.json');
  const hashes: string[] = [];
  for (const text of ['first\n', 'second\n', 'third\n']) {
    fs.writeFileSync(file, text);
    hashes.push(hashOf(file));
    await keepPrevious(file);
  }
  assert.equal(hashOf(path.join(dir, 'gen.previous.json')), hashes[2]);
  assert.equal(hashOf(path.join(dir, 'gen.previous-1.json')), hashes[1]);
  assert.equal(hashOf(path.join(dir, 'gen.previous-2.json')), hashes[0]);
  assert.equal(fs.existsSync(file), false);
});

test('the results reader refuses channelsPruned beyond the group, a baseline of 0 and overlapping groups, naming the file and the field', async () => {
  const source = path.join(dir, 'valid.json');
  assert.equal((await scan(source)).code, EXIT_OK);
  const cases: [string, (r: EditableResults) => void, RegExp][] = [
    ['pruned-all.json', (r) => ((r.points['c1_weights'] ?? {})['0.5'] = { ...(r.points['c1_weights'] ?? {})['0.5'], channelsPruned: 4 }), /\$\.points\.c1_weights\["0\.5"\]\.channelsPruned: removes 4 of the group's 4 channels; a point keeps at least one/],
    ['zero-baseline.json', (r) => (r.metadata.baseline = 0), /\$\.metadata\.baseline: expected a metric above 0 \(every loss is relative to it\), found 0/],
    ['overlap.json', (r) => group(r, 'c3_weights').params.push('c2_weights'), /\$\.groups\.c3_weights\.params\[1\]: "c2_weights" is also a member of group "c2_weights"; groups may not overlap/],
  ];
  for (const [name, edit, message] of cases) {
    const file = path.join(dir, name);
    const json = JSON.parse(fs.readFileSync(source, 'utf8')) as EditableResults;
    edit(json);
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    const before = hashOf(file);
    for (const r of [await scan(file), await runCli('ratios', file, '--loss', '0.1')]) {
      assert.equal(r.code, EXIT_FAILED, name);
      assert.match(r.err, new RegExp(`${name.replace('.', '\\.')}: is not a valid results file: ${message.source}`));
    }
    assert.equal(hashOf(file), before);
  }
});

test('merge refuses, even with --force, inputs that would make one param a member of two groups', async () => {
  const a = path.join(dir, 'valid.json');
  const b = path.join(dir, 'regrouped.json');
  const json = JSON.parse(fs.readFileSync(a, 'utf8')) as EditableResults;
  // Another model's grouping: c2 and c3 pruned together as one group "c3_weights", measured for c3 alone.
  group(json, 'c3_weights').params = ['c2_weights', 'c3_weights'];
  delete json.groups['c2_weights'];
  delete json.points['c2_weights'];
  delete json.params['c2_weights'];
  fs.writeFileSync(b, JSON.stringify(json));
  const out = path.join(dir, 'merged.json');
  const r = await runCli('merge', a, b, '-o', out, '--force');
  assert.equal(r.code, EXIT_FAILED, r.err + r.out);
  assert.match(r.err, /cannot merge: c2_weights is a member of group c2_weights in one input and of group c3_weights in another/);
  assert.equal(hashOf(out), 'absent');
});
