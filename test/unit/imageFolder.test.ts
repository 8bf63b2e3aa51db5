import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readImages } from '../../src/core/data/dataset';
import { openDataset, type DatasetRequest, type ModelInput } from '../../src/core/data/load';
import { rejectsNaming, tempDir, writeClassTree, writeImage } from './imageFixtures';

const RGB12: ModelInput = { height: 12, width: 12, channels: 3, numClasses: 3 };

function request(data: string, more: Partial<DatasetRequest> = {}): DatasetRequest {
  return { data, split: 'test', cacheDir: path.join(path.dirname(data), 'cache'), ...more };
}


test('a class tree of JPEG, PNG and WebP (RGB, grey, alpha, odd sizes) reads as sorted classes at the model size', async () => {
  const root = path.join(tempDir(), 'pets');
  await writeClassTree(root, ['dog', 'cat', 'bird'], 4);
  fs.writeFileSync(path.join(root, 'cat', 'notes.txt'), 'not an image: left out');
  const ds = await openDataset(request(root), RGB12);
  assert.equal(ds.count, 12);
  assert.deepEqual([...ds.labels], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], 'bird, cat, dog: sorted folder names');
  assert.deepEqual([ds.height, ds.width, ds.channels, ds.unlabeled], [12, 12, 3, undefined]);
  const values = readImages(ds, 0, ds.count);
  assert.ok(values.every((v) => v >= 0 && v <= 1), 'unit scaling keeps every value in [0, 1]');
  // Image 1 of the tree is grey (one channel): its three channels are equal everywhere.
  const grey = readImages(ds, 1, 1);
  for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i] === grey[i + 2], 'grey replicated into R, G and B');
});

test('alpha is dropped (not blended), grey is replicated, lossless files decode to their exact pixels', async () => {
  const root = path.join(tempDir(), 'exact');
  const pixel = (x: number, y: number, c: number): number => (c === 3 ? (x === 0 ? 0 : 128) : (60 * c + 7 * x + 3 * y) % 256);
  await writeImage(path.join(root, 'a', 'rgba.png'), { width: 5, height: 5, channels: 4, pixel });
  await writeImage(path.join(root, 'a', 'rgb.webp'), { width: 5, height: 5, channels: 3, format: 'webp', pixel });
  await writeImage(path.join(root, 'a', 'zgrey.png'), { width: 5, height: 5, channels: 2, pixel: (x, y, c) => (c === 1 ? 0 : 10 * x + y) });
  const ds = await openDataset(request(root), { height: 5, width: 5, channels: 3, numClasses: 1 });
  const [rgba, webp, grey] = [0, 1, 2].map((i) => Array.from(readImages(ds, i, 1), (v) => Math.round(v * 255)));
  const expected = Array.from({ length: 75 }, (_, i) => pixel(Math.floor(i / 3) % 5, Math.floor(i / 15), i % 3));
  assert.deepEqual(rgba, expected, 'RGBA keeps its RGB, even where alpha is 0');
  assert.deepEqual(webp, expected);
  assert.deepEqual(grey, Array.from({ length: 75 }, (_, i) => 10 * (Math.floor(i / 3) % 5) + Math.floor(i / 15)));
});

test('a classes file gives the class order; folders it does not name and wrong counts are refused naming the file', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'pets');
  await writeClassTree(root, ['bird', 'cat'], 2);
  const classes = path.join(dir, 'classes.txt');
  fs.writeFileSync(classes, 'dog\ncat\nbird\n');
  const ds = await openDataset(request(root, { classesFile: classes }), RGB12);
  assert.deepEqual([...ds.labels], [1, 1, 2, 2], 'cat is line 2 (class 1), bird line 3 (class 2); dog has no folder');
  fs.writeFileSync(classes, 'dog\ncat\n');
  await rejectsNaming(openDataset(request(root, { classesFile: classes }), { ...RGB12, numClasses: 2 }), path.join(root, 'bird'), /class folder "bird" is not named in the classes file/);
  await rejectsNaming(openDataset(request(root, { classesFile: classes }), RGB12), classes, /names 2 classes but the model has 3 outputs/);
  fs.writeFileSync(classes, 'cat\nbird\ncat\n');
  await rejectsNaming(openDataset(request(root, { classesFile: classes }), RGB12), classes, /class "cat" is on lines 1 and 3/);
});

test('a flat folder is an unlabelled set, refused where labels are needed', async () => {
  const root = path.join(tempDir(), 'flat');
  await writeImage(path.join(root, 'one.png'), { width: 9, height: 7, channels: 3 });
  await writeImage(path.join(root, 'two.jpg'), { width: 13, height: 12, channels: 1, format: 'jpeg' });
  await rejectsNaming(openDataset(request(root), RGB12), root, /no class subfolders, so it has no labels.*--metric agreement/);
  const ds = await openDataset(request(root, { labelsOptional: true }), RGB12);
  assert.deepEqual([ds.count, ds.unlabeled], [2, true]);
});

test('train/ and val/ subfolders split the set; a missing split is named', async () => {
  const root = path.join(tempDir(), 'split');
  await writeClassTree(path.join(root, 'train'), ['a', 'b', 'c'], 2);
  await writeClassTree(path.join(root, 'val'), ['a', 'b', 'c'], 1);
  assert.equal((await openDataset(request(root, { split: 'train' }), RGB12)).count, 6);
  assert.equal((await openDataset(request(root, { split: 'test' }), RGB12)).count, 3);
  fs.rmSync(path.join(root, 'val'), { recursive: true });
  await rejectsNaming(openDataset(request(root), RGB12), root, /has train\/ but no test\/, val\/, validation\/, valid\/ folder for the test split/);
});

test('data errors name the file: empty class, class count, unreadable image, stray images, unknown format', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'bad');
  await writeClassTree(root, ['a', 'b', 'c'], 1);
  fs.mkdirSync(path.join(root, 'd'));
  await rejectsNaming(openDataset(request(root), { ...RGB12, numClasses: 4 }), path.join(root, 'd'), /class folder holds no images/);
  fs.rmSync(path.join(root, 'd'), { recursive: true });
  // The class count is checked before anything is decoded, so the broken image is not reached.
  const broken = path.join(root, 'b', 'broken.jpg');
  fs.writeFileSync(broken, 'this is no JPEG');
  await rejectsNaming(openDataset(request(root), { ...RGB12, numClasses: 10 }), root, /has 3 class folders \(a, b, c\) but the model has 10 outputs; give --classes FILE/);
  await rejectsNaming(openDataset(request(root), RGB12), broken, /is not an image in a format PruneLens reads/);
  fs.writeFileSync(broken, fs.readFileSync(path.join(root, 'a', 'img0.png')).subarray(0, 60));
  await rejectsNaming(openDataset(request(root), RGB12), broken, /cannot be decoded/);
  fs.rmSync(broken);
  assert.equal(fs.readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.tmp')).length, 0, 'a failed build leaves no temporary file');
  await writeImage(path.join(root, 'stray.png'), { width: 4, height: 4, channels: 3 });
  await rejectsNaming(openDataset(request(root), RGB12), root, /class subfolders and also 1 image beside them \(e\.g\. stray\.png\)/);
  const csv = path.join(dir, 'data.csv');
  fs.writeFileSync(csv, '1,2,3\n');
  await rejectsNaming(openDataset(request(csv), RGB12), csv, /unknown dataset format/);
  await rejectsNaming(openDataset(request(path.join(dir, 'absent')), RGB12), path.join(dir, 'absent'), /dataset not found/);
});
