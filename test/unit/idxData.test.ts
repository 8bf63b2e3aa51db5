import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeIdx, readIdxDataset } from '../../src/core/data/idx';
import { loadDataset } from '../../src/core/data/load';
import { checkDatasetFitsModel, requireLabels } from '../../src/core/data/batches';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-idx-'));
}

function writeSet(dir: string, prefix: string, n: number, labels: number[], gzip = false): void {
  const pixels = new Uint8Array(n * 4 * 4).map((_, i) => i % 256);
  const img = encodeIdx([n, 4, 4], pixels);
  const lab = encodeIdx([labels.length], Uint8Array.from(labels));
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte${gzip ? '.gz' : ''}`), gzip ? zlib.gzipSync(img) : img);
  fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte${gzip ? '.gz' : ''}`), gzip ? zlib.gzipSync(lab) : lab);
}

test('reads raw and gzipped IDX files into a [0,1] dataset', () => {
  const dir = tempDir();
  writeSet(dir, 'train', 3, [1, 2, 3]);
  writeSet(dir, 't10k', 2, [9, 0], true);
  const train = loadDataset(dir, 'train');
  assert.equal(train.count, 3);
  assert.deepEqual([train.height, train.width, train.channels], [4, 4, 1]);
  assert.deepEqual([...train.labels], [1, 2, 3]);
  assert.equal(train.images[47], Math.fround(47 / 255));
  assert.equal(train.images[1], Math.fround(1 / 255));
  const test = loadDataset(dir, 'test');
  assert.deepEqual([...test.labels], [9, 0]);
});

test('a missing file is named in the error', () => {
  const dir = tempDir();
  assert.throws(() => readIdxDataset(path.join(dir, 'nope'), path.join(dir, 'nope2')), /nope: file not found/);
  assert.throws(() => loadDataset(dir, 'train'), /no train-images-idx3-ubyte/);
  assert.throws(() => loadDataset(path.join(dir, 'absent'), 'train'), /dataset folder not found/);
});

test('a labels file given as images is refused for its magic number', () => {
  const dir = tempDir();
  writeSet(dir, 'train', 2, [1, 2]);
  const labels = path.join(dir, 'train-labels-idx1-ubyte');
  assert.throws(() => readIdxDataset(labels, labels), (e: Error) => e.message.includes(labels) && /wrong magic number 0x00000801/.test(e.message));
});

test('image and label counts must agree', () => {
  const dir = tempDir();
  writeSet(dir, 'train', 3, [1, 2]);
  assert.throws(() => loadDataset(dir, 'train'), /holds 3 images but .* holds 2 labels/);
});

test('labels out of range are refused with their index', () => {
  const dir = tempDir();
  writeSet(dir, 'train', 2, [1, 12]);
  assert.throws(() => loadDataset(dir, 'train'), /label 12 at index 1 is out of range for 10 classes/);
});

test('a truncated file is refused', () => {
  const dir = tempDir();
  writeSet(dir, 'train', 2, [1, 2]);
  const file = path.join(dir, 'train-images-idx3-ubyte');
  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 30));
  assert.throws(() => loadDataset(dir, 'train'), /declares 2 x 4 x 4 = 32 bytes of data but the file holds 14/);
});

test('an image size that does not fit the model is reported', () => {
  const dir = tempDir();
  writeSet(dir, 'train', 2, [1, 2]);
  const ds = loadDataset(dir, 'train');
  assert.throws(() => checkDatasetFitsModel(ds, [null, 28, 28, 1], 10), /images are 4 x 4 x 1 but the model expects 28 x 28 x 1/);
  assert.throws(() => checkDatasetFitsModel({ ...ds, numClasses: 20, labels: Int32Array.from([1, 15]) }, [null, 4, 4, 1], 10), /label 15 at index 1/);
});

test('a folder with images but no labels loads only when labels are optional, for label-free metrics', async () => {
  const dir = tempDir();
  writeSet(dir, 't10k', 3, [1, 2, 3]);
  fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte'));
  assert.throws(() => loadDataset(dir, 'test'), /no t10k-labels-idx1-ubyte .* --metric agreement/);
  const ds = loadDataset(dir, 'test', 10, { labelsOptional: true });
  assert.equal(ds.unlabeled, true);
  assert.equal(ds.count, 3);
  assert.throws(() => requireLabels(ds, 'training'), /has images but no labels file, and training needs labels/);
  const { evaluate } = await import('../../src/core/eval/evaluate');
  await assert.rejects(evaluate(async (_x, n) => new Float32Array(n * 10), ds), /top-1\/top-5 accuracy needs labels/);
  assert.doesNotThrow(() => requireLabels({ ...ds, unlabeled: false }, 'training'));
});
