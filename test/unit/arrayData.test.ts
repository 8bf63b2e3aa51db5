import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readImages } from '../../src/core/data/dataset';
import { encodeIdx } from '../../src/core/data/idx';
import { openDataset, type DatasetRequest, type ModelInput } from '../../src/core/data/load';
import { datasetFingerprint } from '../../src/core/sensitivity/fingerprint';
import { npy, npz, rejectsNaming, tempDir } from './imageFixtures';

const N = 4;
const [H, W, C] = [3, 2, 3];
const INPUT: ModelInput = { height: H, width: W, channels: C, numClasses: 3 };
const LABELS = [2, 0, 1, 2];

/** Pixel value of image n at (y, x), channel c: distinct everywhere, so a wrong layout shows. */
const value = (n: number, y: number, x: number, c: number): number => n * 40 + y * 10 + x * 3 + c;

function nhwc(): Uint8Array {
  const out = new Uint8Array(N * H * W * C);
  for (let n = 0, i = 0; n < N; n++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out[i++] = value(n, y, x, c);
  return out;
}

function nchw(): Uint8Array {
  const out = new Uint8Array(N * H * W * C);
  for (let n = 0, i = 0; n < N; n++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[i++] = value(n, y, x, c);
  return out;
}

/** The NHWC values every layout and type must read as (unit scaling). */
const EXPECTED = Float32Array.from(nhwc(), (p) => p / 255);

function request(data: string, more: Partial<DatasetRequest> = {}): DatasetRequest {
  return { data, split: 'test', ...more };
}

function write(file: string, bytes: Uint8Array): string {
  fs.writeFileSync(file, bytes);
  return file;
}

test('.npz with x/y (NHWC uint8, compressed or not) and keras-style x_test/y_test read as NHWC values', async () => {
  const dir = tempDir();
  const labels = npy('<i8', [N], BigInt64Array.from(LABELS, BigInt));
  for (const compressed of [false, true]) {
    const file = write(path.join(dir, `xy${compressed}.npz`), npz({ x: npy('|u1', [N, H, W, C], nhwc()), y: labels }, compressed));
    const ds = await openDataset(request(file), INPUT);
    assert.deepEqual([ds.count, [...ds.labels]], [N, LABELS]);
    assert.deepEqual(readImages(ds, 0, N), EXPECTED);
  }
  const keras = write(path.join(dir, 'mnist.npz'), npz({ x_train: npy('|u1', [1, H, W, C], nhwc().subarray(0, H * W * C)), y_train: npy('|u1', [1], Uint8Array.of(0)), x_test: npy('|u1', [N, H, W, C], nhwc()), y_test: labels }));
  assert.equal((await openDataset(request(keras, { split: 'train' }), INPUT)).count, 1);
  assert.equal((await openDataset(request(keras), INPUT)).count, N);
});

test('.npy in NCHW (PyTorch) and NHWC, uint8 and float32, with labels found beside it, read alike', async () => {
  const dir = tempDir();
  const floats = (bytes: Uint8Array): Float32Array => Float32Array.from(bytes, (p) => p / 255);
  const cases: [string, string, number[], ArrayBufferView][] = [
    ['x_test.npy', '|u1', [N, C, H, W], nchw()],
    ['images.npy', '|u1', [N, H, W, C], nhwc()],
    ['batch.npy', '<f4', [N, C, H, W], floats(nchw())],
    ['train_images.npy', '<f4', [N, H, W, C], floats(nhwc())],
  ];
  const labelNames = ['y_test.npy', 'labels.npy', 'batch_labels.npy', 'train_labels.npy'];
  for (const [i, [name, descr, shape, data]] of cases.entries()) {
    write(path.join(dir, labelNames[i] as string), npy('<i4', [N, 1], Int32Array.from(LABELS)));
    const ds = await openDataset(request(write(path.join(dir, name), npy(descr, shape, data))), INPUT);
    assert.deepEqual([...ds.labels], LABELS, name);
    const got = readImages(ds, 0, N);
    assert.ok(got.every((v, k) => Math.abs(v - (EXPECTED[k] as number)) < 1e-7), `${name}: NHWC values`);
    assert.equal(descr === '<f4' ? ds.preprocessing : ds.preprocessing?.scaling, descr === '<f4' ? undefined : 'unit', `${name}: float values are used as stored`);
  }
});

test('uint8 arrays take the scaling and BGR; grey [N, H, W] fits a one-channel model; --limit samples', async () => {
  const dir = tempDir();
  const file = write(path.join(dir, 'x.npy'), npy('|u1', [N, H, W, C], nhwc()));
  write(path.join(dir, 'y.npy'), npy('|u1', [N], Uint8Array.from(LABELS)));
  const caffe = await openDataset(request(file, { preprocessing: { scaling: 'caffe' } }), INPUT);
  assert.ok(Math.abs((readImages(caffe, 1, 1)[0] as number) - (value(1, 0, 0, 2) - 103.939)) < 1e-4, 'channel 0 is the stored blue, minus its mean');
  // Class shares 0.5, 0.5 and 1 of 2: class 2 gets one, and the tie between 0 and 1 goes to 0.
  const sample = await openDataset(request(file, { limit: 2 }), INPUT);
  const full = await openDataset(request(file), INPUT);
  assert.deepEqual([sample.count, [...sample.labels].sort()], [2, [0, 2]]);
  for (let k = 0; k < 2; k++) {
    const image = readImages(sample, k, 1);
    const same = [0, 1, 2, 3].filter((i) => readImages(full, i, 1).every((v, j) => v === image[j]));
    assert.deepEqual(same.map((i) => LABELS[i]), [sample.labels[k]], `sample image ${k} is one image of the set, with its label`);
  }
  assert.notEqual(datasetFingerprint(sample), datasetFingerprint(full));
  const grey = write(path.join(dir, 'grey.npy'), npy('|u1', [N, H, W], nhwc().subarray(0, N * H * W)));
  write(path.join(dir, 'grey_labels.npy'), npy('|u1', [N], Uint8Array.from(LABELS)));
  assert.equal((await openDataset(request(grey), { ...INPUT, channels: 1 })).channels, 1);
});

test('IDX images with a channel dimension ([N, H, W, 3]) are read as RGB', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 't10k-images-idx4-ubyte'), encodeIdx([N, H, W, C], nhwc()));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([N], Uint8Array.from(LABELS)));
  const ds = await openDataset(request(dir), INPUT);
  assert.deepEqual([ds.channels, [...ds.labels]], [3, LABELS]);
  assert.deepEqual(readImages(ds, 0, N), EXPECTED);
  const bgr = await openDataset(request(dir, { preprocessing: { channels: 'bgr' } }), INPUT);
  assert.equal(readImages(bgr, 0, 1)[0], Math.fround(value(0, 0, 0, 2) / 255));
});


test('array errors name the file: shape, dtype, labels, truncation, and preprocessing floats cannot take', async () => {
  const dir = tempDir();
  const images = (name: string, descr: string, shape: number[], data: ArrayBufferView): string => write(path.join(dir, name), npy(descr, shape, data));
  const wrong = images('wrong.npy', '|u1', [N, 5, 5, 3], new Uint8Array(N * 75));
  await rejectsNaming(openDataset(request(wrong, { labelsOptional: true }), INPUT), wrong, /shape \[4, 5, 5, 3\]: a model taking 3 x 2 x 3 needs \[N, 3, 2, 3\] \(NHWC\), \[N, 3, 3, 2\] \(NCHW\)/);
  const f64 = images('f64.npy', '<f8', [N, H, W, C], new Float64Array(N * H * W * C));
  await rejectsNaming(openDataset(request(f64, { labelsOptional: true }), INPUT), f64, /type <f8: expected uint8 \(\|u1\) pixels or float32 \(<f4\)/);
  const x = images('x.npy', '|u1', [N, H, W, C], nhwc());
  await rejectsNaming(openDataset(request(x), INPUT), x, /no labels array beside it/);
  assert.equal((await openDataset(request(x, { labelsOptional: true }), INPUT)).unlabeled, true);
  const y = images('y.npy', '<f4', [N], new Float32Array(N));
  await rejectsNaming(openDataset(request(x), INPUT), y, /labels of type <f4: expected integers/);
  images('y.npy', '|u1', [N - 1], new Uint8Array(N - 1));
  await rejectsNaming(openDataset(request(x), INPUT), y, /labels of shape \[3\]: expected \[4\]/);
  images('y.npy', '|u1', [N], Uint8Array.of(0, 1, 7, 2));
  await rejectsNaming(openDataset(request(x), INPUT), y, /label 7 at index 2 is out of range for a model with 3 classes/);
  images('y.npy', '|u1', [N], Uint8Array.from(LABELS));
  await rejectsNaming(openDataset(request(x, { preprocessing: { resize: 8 } }), INPUT), x, /used at their stored size; --resize applies to image files/);
  const whole = npy('|u1', [N, H, W, C], nhwc());
  const cut = write(path.join(dir, 'cut.npy'), whole.subarray(0, whole.length - 30));
  await rejectsNaming(openDataset(request(cut, { labelsOptional: true }), INPUT), cut, /is truncated: its header declares \[4, 3, 2, 3\]/);
  const floats = images('floats.npy', '<f4', [N, H, W, C], new Float32Array(N * H * W * C));
  await rejectsNaming(openDataset(request(floats, { labelsOptional: true, preprocessing: { scaling: 'imagenet' } }), INPUT), floats, /float32 values, which are used as stored/);
  const noImages = write(path.join(dir, 'other.npz'), npz({ weights: npy('<f4', [2], new Float32Array(2)) }));
  await rejectsNaming(openDataset(request(noImages), INPUT), noImages, /has no images array: expected one named x_test, x, images, X, arr_0; it holds weights/);
  const notNpy = write(path.join(dir, 'fake.npy'), new TextEncoder().encode('hello'));
  await rejectsNaming(openDataset(request(notNpy), INPUT), notNpy, /is not a \.npy file/);
});
