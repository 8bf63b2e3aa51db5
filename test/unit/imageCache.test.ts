import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gatherImages, readImages } from '../../src/core/data/dataset';
import { defaultCacheDir, ensureImageCache } from '../../src/core/data/imageCache';
import { listImageFolder } from '../../src/core/data/imageFolder';
import { openDataset, type ModelInput } from '../../src/core/data/load';
import { stratifiedSample } from '../../src/core/data/sample';
import { datasetFingerprint } from '../../src/core/sensitivity/fingerprint';
import { CancelledError } from '../../src/core/util/errors';
import { tempDir, writeClassTree, writeImage } from './imageFixtures';

const INPUT: ModelInput = { height: 8, width: 8, channels: 3, numClasses: 2 };

async function tree(perClass = 3): Promise<{ dir: string; root: string; cacheDir: string }> {
  const dir = tempDir();
  const root = path.join(dir, 'set');
  await writeClassTree(root, ['a', 'b'], perClass);
  return { dir, root, cacheDir: path.join(dir, 'cache') };
}

function caches(cacheDir: string): string[] {
  return fs.readdirSync(cacheDir).filter((f) => f.endsWith('.plimages'));
}

test('the cache is built once and then read: same file, same values, nothing decoded again', async () => {
  const { root, cacheDir } = await tree();
  const files = listImageFolder(root, { numClasses: 2 });
  const geometry = { crop: [8, 8] as const, channels: 'rgb' as const };
  const first = await ensureImageCache({ root, files: files.files, geometry, cacheDir });
  let decoded = 0;
  const again = await ensureImageCache({ root, files: files.files, geometry, cacheDir, onProgress: (e) => (decoded = e.done) });
  assert.deepEqual([first.built, again.built, again.file, again.digest, decoded], [true, false, first.file, first.digest, 0]);
  const a = await openDataset({ data: root, split: 'test', cacheDir }, INPUT);
  const b = await openDataset({ data: root, split: 'test', cacheDir }, INPUT);
  assert.deepEqual(readImages(a, 0, a.count), readImages(b, 0, b.count));
  assert.equal(datasetFingerprint(a), datasetFingerprint(b));
  assert.deepEqual(gatherImages(a, [4, 1]), Float32Array.from([...readImages(a, 4, 1), ...readImages(a, 1, 1)]), 'a gather is the images in the order asked');
  assert.equal(caches(cacheDir).length, 1);
});

test('a changed image gives a new cache, new values and a new fingerprint; the stale cache is deleted', async () => {
  const { root, cacheDir } = await tree();
  const before = await openDataset({ data: root, split: 'test', cacheDir }, INPUT);
  const oldValues = readImages(before, 0, 1);
  const oldFingerprint = datasetFingerprint(before);
  await writeImage(path.join(root, 'a', 'img0.png'), { width: 8, height: 8, channels: 3, pixel: () => 255 });
  const after = await openDataset({ data: root, split: 'test', cacheDir }, INPUT);
  assert.ok(readImages(after, 0, 1).every((v) => v === 1), 'the new white image is read, not the cached one');
  assert.notDeepEqual(readImages(after, 0, 1), oldValues);
  assert.notEqual(datasetFingerprint(after), oldFingerprint);
  assert.equal(caches(cacheDir).length, 1, 'the stale cache was replaced');
  // A scaling is applied on read: it shares the cache, and changes the fingerprint.
  const symmetric = await openDataset({ data: root, split: 'test', cacheDir, preprocessing: { scaling: 'symmetric' } }, INPUT);
  assert.equal(caches(cacheDir).length, 1);
  assert.notEqual(datasetFingerprint(symmetric), datasetFingerprint(after));
});

test('--limit takes a seeded, class-stratified sample, the same every run, and decodes only it', async () => {
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const pick = stratifiedSample(labels, 6);
  assert.deepEqual(stratifiedSample(labels, 6), pick, 'the same sample every call');
  const perClass = [0, 1, 2].map((c) => [...pick].filter((i) => labels[i] === c).length);
  // Shares 3, 1.5 and 1.5: the one left over goes to the lower class of the tied remainders.
  assert.deepEqual(perClass, [3, 2, 1]);
  assert.ok([...pick].every((v, i) => i === 0 || v > (pick[i - 1] as number)), 'ascending, so the dataset keeps its order');

  const { root, cacheDir } = await tree(5);
  let decoded = 0;
  const ds = await openDataset({ data: root, split: 'test', cacheDir, limit: 4 }, INPUT, { onProgress: (e) => (decoded = e.total) });
  assert.deepEqual([ds.count, [...ds.labels], decoded], [4, [0, 0, 1, 1], 4]);
  assert.match(ds.source, /\(4 of 10 images\)/);
  const full = await openDataset({ data: root, split: 'test', cacheDir }, INPUT);
  assert.equal(full.count, 10);
  assert.equal(caches(cacheDir).length, 2, 'the sample and the whole set keep a cache each');
});

test('two processes wanting the same cache at once decode it once; a lock left by a killed build is taken over', async () => {
  const { root, cacheDir } = await tree();
  const files = listImageFolder(root, { numClasses: 2 }).files;
  const geometry = { crop: [8, 8] as const, channels: 'rgb' as const };
  const stages: string[] = [];
  const onProgress = (e: { stage: string }): number => stages.push(e.stage);
  const [a, b] = await Promise.all([ensureImageCache({ root, files, geometry, cacheDir, onProgress }), ensureImageCache({ root, files, geometry, cacheDir, onProgress })]);
  assert.deepEqual([a.built, b.built, b.file], [true, false, a.file], 'the second waited for the first');
  assert.ok(stages.includes('wait for another process decoding images'));
  assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(a.file)], 'no lock or temporary file is left');

  fs.rmSync(a.file);
  const lock = `${a.file}.lock`;
  fs.writeFileSync(lock, '');
  const old = new Date(Date.now() - 2 * 60_000);
  fs.utimesSync(lock, old, old);
  const rebuilt = await ensureImageCache({ root, files, geometry, cacheDir });
  assert.deepEqual([rebuilt.built, rebuilt.digest, fs.existsSync(lock)], [true, a.digest, false]);
});

test('a cancelled build stops, leaves no cache and no temporary file', async () => {
  const { root, cacheDir } = await tree(4);
  const controller = new AbortController();
  await assert.rejects(
    openDataset({ data: root, split: 'test', cacheDir }, INPUT, { signal: controller.signal, concurrency: 1, onProgress: () => controller.abort() }),
    CancelledError,
  );
  assert.deepEqual(fs.readdirSync(cacheDir), []);
});

test('the default cache folder follows the platform and PRUNELENS_CACHE_DIR', () => {
  assert.equal(defaultCacheDir({ PRUNELENS_CACHE_DIR: '/x/y' }, 'linux'), '/x/y');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/c' }, 'linux'), path.join('/c', 'prunelens', 'images'));
  assert.ok(defaultCacheDir({}, 'darwin').endsWith(path.join('Library', 'Caches', 'prunelens', 'images')));
  assert.equal(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32'), path.join('C:\\Users\\u\\AppData\\Local', 'prunelens', 'images'));
});
