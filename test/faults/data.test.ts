/**
 * Data that does not fit the model is refused before the first batch by every engine and
 * command, naming the file; IDX files that would unpack beyond what their header declares
 * are refused without being unpacked.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { EXIT_FAILED } from '../../src/cli/main';
import { readIdx } from '../../src/core/data/idx';
import { evaluateModel } from '../../src/core/jobs/evaluateJob';
import { SILENT } from '../../src/core/jobs/context';
import { loadModel } from '../../src/core/models/io';
import { datasetMetric } from '../../src/core/sensitivity/metrics';
import { npy } from '../unit/imageFixtures';
import { hashOf, runCli, saveTinyModel, snapshot, tempDir, writeIdx } from './faultKit';
import { tfjsModel } from '../../src/core/models/tfjsModel';

let dir = '';
let model = '';

before(async () => {
  dir = tempDir('prunelens-fault-data-');
  model = await saveTinyModel(path.join(dir, 'model'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ENGINES_EVAL = ['ort', 'tfjs'];
const ENGINES_SCAN = ['ort', 'tfjs', 'fast'];

test('eval and sensitivity on images of the wrong size exit 1 naming the images file, on every engine, and write nothing', async () => {
  for (const side of [32, 20]) {
    const data = writeIdx(path.join(dir, `idx${side}`), side, 16);
    const images = path.join(data, 't10k-images-idx3-ubyte');
    const wrong = new RegExp(`${images.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: images are ${side} x ${side} x 1 but the model expects 28 x 28 x 1`);
    for (const engine of ENGINES_EVAL) {
      const r = await runCli('eval', model, '--data', data, '--engine', engine, '--backend', 'cpu');
      assert.equal(r.code, EXIT_FAILED, `eval --engine ${engine}: ${r.out}`);
      assert.match(r.err, wrong);
      assert.doesNotMatch(r.out, /top-1|acc_top1/);
    }
    for (const engine of ENGINES_SCAN) {
      const before = snapshot(dir);
      const file = path.join(dir, `sens-${side}-${engine}.json`);
      const r = await runCli('sensitivity', model, '--data', data, '--engine', engine, '--ratios', '0.5', '--file', file, '--backend', 'cpu', '--workers', '1');
      assert.equal(r.code, EXIT_FAILED, `sensitivity --engine ${engine}: ${r.out}`);
      assert.match(r.err, wrong);
      assert.deepEqual(snapshot(dir), before, 'no results file (or anything else) is written');
    }
  }
});

test('a .npy of images that fit no layout of the model is refused naming it', async () => {
  const file = path.join(dir, 'images.npy');
  fs.writeFileSync(file, npy('|u1', [4, 20, 20, 1], new Uint8Array(4 * 400)));
  fs.writeFileSync(path.join(dir, 'images_labels.npy'), npy('<i8', [4], new BigInt64Array(4)));
  const r = await runCli('eval', model, '--data', file, '--backend', 'cpu');
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, new RegExp(`${file.replace(/[.]/g, '\\.')}: .*(20, 20, 1|20 x 20)`));
});

test('each engine checks the data itself before its first batch, whoever opened it', async () => {
  await tf.setBackend('cpu');
  const tiny = await loadModel(model);
  const data = { source: 'in-memory test set', images: new Float32Array(2 * 20 * 20), labels: new Int32Array(2), count: 2, height: 20, width: 20, channels: 1, numClasses: 10 };
  for (const engine of ['ort', 'tfjs'] as const) {
    await assert.rejects(evaluateModel(tfjsModel(tiny), data, engine, 8, { env: {}, events: SILENT }), /in-memory test set: images are 20 x 20 x 1 but the model expects 28 x 28 x 1/);
  }
  assert.throws(() => datasetMetric(tiny, data, { metric: 'agreement' }), /in-memory test set: images are 20 x 20 x 1/);
  tiny.dispose();
});

/** A gzipped IDX images file whose header declares `count` 28x28 images, followed by `bytes` zeros. */
function gzippedIdx(name: string, count: number, bytes: number): string {
  const file = path.join(dir, name);
  const header = Buffer.alloc(16);
  [0x803, count, 28, 28].forEach((v, i) => header.writeUInt32BE(v, 4 * i));
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([header, Buffer.alloc(bytes)])));
  return file;
}

test('a gzipped IDX file whose header declares more than can be held is refused without unpacking it', () => {
  // 4.7 GB of zeros would follow; a few MB of them are enough to show it is never unpacked.
  const file = gzippedIdx('huge-images-idx3-ubyte.gz', 6_000_000, 4 << 20);
  const before = hashOf(file);
  assert.throws(() => readIdx(file, [3]), new RegExp(`${file.replace(/[.]/g, '\\.')}: its header declares 4704000016 bytes of data, more than PruneLens reads from one IDX file`));
  assert.equal(hashOf(file), before);
});

test('a gzipped IDX file that unpacks beyond what its header declares is refused as soon as it does', () => {
  // Declares one image (784 bytes) but holds 64 MiB.
  const file = gzippedIdx('lying-images-idx3-ubyte.gz', 1, 64 << 20);
  assert.throws(() => readIdx(file, [3]), /lying-images-idx3-ubyte\.gz: unpacks to more than the 800 bytes its header declares; refused without unpacking it further/);
});
