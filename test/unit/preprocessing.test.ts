import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readImages } from '../../src/core/data/dataset';
import { resizePlan } from '../../src/core/data/decode';
import { openDataset, type ModelInput } from '../../src/core/data/load';
import { resolvePreprocessing, type PreprocessingRequest } from '../../src/shared/preprocessing';
import { pixelsOf, tempDir, writeImage, type ImageSpec } from './imageFixtures';

// Known pixels, at the model's input size so that no resampling touches them: 0, 1, 127,
// 128, 254 and 255 appear in every channel.
const KNOWN: ImageSpec = { width: 6, height: 4, channels: 3, pixel: (x, y, c) => [0, 1, 127, 128, 254, 255][(x + y + c) % 6] as number };
const INPUT: ModelInput = { height: 4, width: 6, channels: 3, numClasses: 1 };

async function knownFolder(): Promise<string> {
  const root = tempDir();
  await writeImage(path.join(root, 'images', 'only', 'known.png'), KNOWN);
  return path.join(root, 'images');
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
}

/** The values of the known image read through the cache with `preprocessing`, next to the formula's. */
async function valuesWith(dir: string, preprocessing: PreprocessingRequest, formula: (rgb: number[], c: number) => number, input = INPUT): Promise<void> {
  const ds = await openDataset({ data: dir, split: 'test', preprocessing, cacheDir: path.join(dir, '..', 'cache') }, input);
  const got = readImages(ds, 0, 1);
  const px = pixelsOf(KNOWN);
  for (let i = 0; i < KNOWN.width * KNOWN.height; i++) {
    const rgb = [px[3 * i] as number, px[3 * i + 1] as number, px[3 * i + 2] as number];
    for (let c = 0; c < input.channels; c++) {
      const want = formula(rgb, c);
      const have = got[i * input.channels + c] as number;
      assert.ok(close(have, want), `${JSON.stringify(preprocessing)}: pixel ${i} channel ${c} is ${have}, the formula gives ${want}`);
    }
  }
}

test('each scaling preset gives its formula on known pixels decoded from a PNG', async () => {
  const dir = await knownFolder();
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const caffeMean = [103.939, 116.779, 123.68];
  await valuesWith(dir, {}, (p, c) => (p[c] as number) / 255);
  await valuesWith(dir, { scaling: 'unit' }, (p, c) => (p[c] as number) / 255);
  await valuesWith(dir, { scaling: 'symmetric' }, (p, c) => (p[c] as number) / 127.5 - 1);
  await valuesWith(dir, { scaling: 'imagenet' }, (p, c) => ((p[c] as number) / 255 - (mean[c] as number)) / (std[c] as number));
  // Keras' caffe mode: RGB to BGR, then subtract the per-channel BGR means; no scaling.
  await valuesWith(dir, { scaling: 'caffe' }, (p, c) => (p[2 - c] as number) - (caffeMean[c] as number));
  await valuesWith(dir, { mean: [0.5, 0.25, 0], std: [0.5, 2, 1] }, (p, c) => ((p[c] as number) / 255 - ([0.5, 0.25, 0][c] as number)) / ([0.5, 2, 1][c] as number));
  await valuesWith(dir, { channels: 'bgr' }, (p, c) => (p[2 - c] as number) / 255);
  // Grey as PIL's convert('L'): (299 R + 587 G + 114 B) / 1000, rounded.
  const luma = (p: number[]): number => Math.round((p[0] as number) * 0.299 + (p[1] as number) * 0.587 + (p[2] as number) * 0.114);
  await valuesWith(dir, { scaling: 'symmetric' }, (p) => luma(p) / 127.5 - 1, { ...INPUT, channels: 1 });
});

test('defaults follow the model: its input size, unit scaling, RGB for 3 channels, grey for 1, BGR under caffe', () => {
  const rgb = { height: 224, width: 224, channels: 3 };
  assert.deepEqual(resolvePreprocessing(undefined, undefined, rgb), { crop: [224, 224], channels: 'rgb', scaling: 'unit', mean: [0, 0, 0], std: [1, 1, 1] });
  assert.equal(resolvePreprocessing(undefined, undefined, { ...rgb, channels: 1 }).channels, 'grey');
  assert.equal(resolvePreprocessing({ scaling: 'caffe' }, undefined, rgb).channels, 'bgr');
  const custom = resolvePreprocessing({ mean: [0.5], std: [0.25] }, undefined, rgb);
  assert.deepEqual([custom.scaling, custom.mean, custom.std], ['custom', [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]]);
});

test("the request comes before the model's prunelens.json, which comes before the defaults; scaling is one part", () => {
  const input = { height: 224, width: 224, channels: 3 };
  const file: PreprocessingRequest = { resize: 256, mean: [0.5], std: [0.5] };
  const fromFile = resolvePreprocessing(undefined, file, input);
  assert.deepEqual([fromFile.resize, fromFile.scaling, fromFile.mean[0]], [256, 'custom', 0.5]);
  const overridden = resolvePreprocessing({ scaling: 'imagenet' }, file, input);
  assert.deepEqual([overridden.resize, overridden.scaling, overridden.mean[0]], [256, 'imagenet', 0.485]);
});

test('contradictory or impossible preprocessing is refused with the reason', () => {
  const input = { height: 224, width: 224, channels: 3 };
  assert.throws(() => resolvePreprocessing({ scaling: 'caffe', channels: 'rgb' }, undefined, input), /caffe scaling is for BGR input/);
  assert.throws(() => resolvePreprocessing({ channels: 'grey' }, undefined, input), /channels grey give 1, but the model takes 3/);
  assert.throws(() => resolvePreprocessing({ resize: 200 }, undefined, input), /resize 200 is too small/);
  assert.throws(() => resolvePreprocessing({ scaling: 'unit', mean: [0.5] }, undefined, input), /preset \(unit\) or mean\/std, not both/);
  assert.throws(() => resolvePreprocessing({ mean: [0.1, 0.2] }, undefined, input), /mean has 2 values; give one, or one per channel \(3\)/);
  assert.throws(() => resolvePreprocessing({ std: [0] }, undefined, input), /std must not be 0/);
  assert.throws(() => resolvePreprocessing(undefined, undefined, { ...input, channels: 4 }), /the model takes 4 channels/);
});

test("a model folder's prunelens.json sets the preprocessing; a wrong one is refused naming it", async () => {
  const dir = await knownFolder();
  const modelDir = tempDir();
  fs.writeFileSync(path.join(modelDir, 'prunelens.json'), JSON.stringify({ preprocessing: { scaling: 'symmetric' } }));
  const ds = await openDataset({ data: dir, split: 'test', cacheDir: path.join(dir, '..', 'cache') }, { ...INPUT, modelDir });
  assert.equal(ds.preprocessing?.scaling, 'symmetric');
  assert.equal(readImages(ds, 0, 1)[0], -1, 'pixel 0 scaled to [-1, 1]');
  fs.writeFileSync(path.join(modelDir, 'prunelens.json'), JSON.stringify({ preprocessing: { scale: 'unit' } }));
  await assert.rejects(openDataset({ data: dir, split: 'test', cacheDir: path.join(dir, '..', 'cache') }, { ...INPUT, modelDir }), (e: Error) => e.message.includes(path.join(modelDir, 'prunelens.json')) && /unknown key "scale"/.test(e.message));
  fs.writeFileSync(path.join(modelDir, 'prunelens.json'), JSON.stringify({ preprocessing: { scaling: 'caffe', channels: 'rgb' } }));
  await assert.rejects(openDataset({ data: dir, split: 'test', cacheDir: path.join(dir, '..', 'cache') }, { ...INPUT, modelDir }), (e: Error) => e.message.startsWith(path.join(modelDir, 'prunelens.json')));
  // A clash between the options and the file names the file too.
  fs.writeFileSync(path.join(modelDir, 'prunelens.json'), JSON.stringify({ preprocessing: { scaling: 'caffe' } }));
  await assert.rejects(
    openDataset({ data: dir, split: 'test', cacheDir: path.join(dir, '..', 'cache'), preprocessing: { channels: 'rgb' } }, { ...INPUT, modelDir }),
    (e: Error) => e.name === 'UsageError' && e.message.endsWith(`(the options together with ${path.join(modelDir, 'prunelens.json')})`),
  );
});

test("resize then centre crop follows torchvision's Resize(S) + CenterCrop", () => {
  // 500 x 375 to shorter side 256: 341 x 256; the crop starts at round(58.5) = 58 (half to even), 16.
  assert.deepEqual(resizePlan(500, 375, { resize: 256, crop: [224, 224] }), { width: 341, height: 256, left: 58, top: 16 });
  // Without a resize a square crop's side is the shorter side: 298 x 224.
  assert.deepEqual(resizePlan(500, 375, { crop: [224, 224] }), { width: 298, height: 224, left: 37, top: 0 });
  // A portrait image, and a non-square crop that the image just covers.
  assert.deepEqual(resizePlan(30, 40, { resize: 32, crop: [32, 32] }), { width: 32, height: 42, left: 0, top: 5 });
  assert.deepEqual(resizePlan(100, 100, { crop: [20, 40] }), { width: 40, height: 40, left: 0, top: 10 });
});
