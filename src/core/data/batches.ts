/**
 * Batching like the seed's readers (batch size 128, drop_last for training) with
 * deterministic, seeded shuffling, plus the checks that a dataset fits a model.
 */
import { PruneLensError } from '../util/errors';
import { gatherImages, readImages, type Batch, type ImageDataset } from './dataset';

export interface BatchOptions {
  readonly batchSize?: number;
  /** Drop a last, incomplete batch (the seed trains with drop_last=True). */
  readonly dropLast?: boolean;
  /** Shuffle the order with this seed; no shuffling when undefined. */
  readonly shuffleSeed?: number;
}

/** A small, fast, seedable PRNG (mulberry32); the same seed always gives the same order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates permutation of 0..n-1 driven by `seed`. */
export function permutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

export function batchCount(ds: Pick<ImageDataset, 'count'>, opts: BatchOptions = {}): number {
  const size = opts.batchSize ?? 128;
  return opts.dropLast ? Math.floor(ds.count / size) : Math.ceil(ds.count / size);
}

export function* batches(ds: ImageDataset, opts: BatchOptions = {}): Generator<Batch> {
  const size = opts.batchSize ?? 128;
  if (!Number.isInteger(size) || size < 1) throw new PruneLensError(`batch size must be a positive integer, got ${size}`);
  const order = opts.shuffleSeed === undefined ? undefined : permutation(ds.count, opts.shuffleSeed);
  const n = batchCount(ds, opts);
  for (let b = 0; b < n; b++) {
    const start = b * size;
    const count = Math.min(size, ds.count - start);
    if (!order) {
      yield { images: readImages(ds, start, count), labels: ds.labels.subarray(start, start + count), size: count };
      continue;
    }
    const picked = order.subarray(start, start + count);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) labels[i] = ds.labels[picked[i] as number] as number;
    const images = gatherImages(ds, picked);
    yield { images, labels, size: count };
  }
}

/**
 * Checks that a dataset's images and labels fit a model's input shape [H, W, C] and class
 * count, so the mismatch is reported with the dataset's name instead of a shape error deep
 * inside TF.js or ONNX Runtime.
 */
export function checkDatasetFitsModel(ds: ImageDataset, inputShape: readonly (number | null)[], numClasses: number): void {
  const [h, w, c] = inputShape.slice(-3);
  if (h !== ds.height || w !== ds.width || c !== ds.channels) {
    throw new PruneLensError(
      `images are ${ds.height} x ${ds.width} x ${ds.channels} but the model expects ${h} x ${w} x ${c}`,
      ds.source,
    );
  }
  if (ds.numClasses > numClasses) {
    for (let i = 0; i < ds.count; i++) {
      const label = ds.labels[i] as number;
      if (label >= numClasses) {
        throw new PruneLensError(`label ${label} at index ${i} is out of range for a model with ${numClasses} classes`, ds.source);
      }
    }
  }
}

/** Refuses a dataset without labels for work that needs them (training, top-1/top-5). */
export function requireLabels(ds: ImageDataset, what: string): void {
  if (ds.unlabeled) {
    throw new PruneLensError(`has images but no labels file, and ${what} needs labels (a sensitivity scan can use --metric agreement without labels)`, ds.source);
  }
}
