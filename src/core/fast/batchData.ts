/**
 * The dataset as the fast engine walks it: fixed batches (so a value cached for batch b
 * while scanning one group lines up with batch b of the next), the images of a batch as an
 * ONNX Runtime tensor without copying, and the per-point tally of top-1 hits.
 */
import type * as Ort from 'onnxruntime-node';
import { readImages, type ImageDataset } from '../data/dataset';
import { labelRank } from '../eval/evaluate';
import { argmaxRow } from '../sensitivity/metrics';
import type { Feeds } from './groupParts';

export interface BatchRange {
  readonly index: number;
  readonly start: number;
  readonly size: number;
}

export function batchRanges(count: number, batchSize: number): BatchRange[] {
  const out: BatchRange[] = [];
  for (let start = 0, index = 0; start < count; start += batchSize, index++) out.push({ index, start, size: Math.min(batchSize, count - start) });
  return out;
}

/** Batch b's images, NHWC as the trunk's input takes them (a view of in-memory data, not a copy). */
export function imageTensor(ort: typeof Ort, dataset: ImageDataset, range: BatchRange): Ort.Tensor {
  const images = readImages(dataset, range.start, range.size);
  return new ort.Tensor('float32', images, [range.size, dataset.height, dataset.width, dataset.channels]);
}

/** Only the feeds a session declares: ONNX Runtime refuses inputs it does not know. */
export function pick(feeds: Feeds, names: readonly string[]): Feeds {
  const out: Feeds = {};
  for (const name of names) {
    const t = feeds[name];
    if (t === undefined) throw new Error(`internal: no value for ONNX input "${name}"`);
    out[name] = t;
  }
  return out;
}

export function logitsOf(result: Ort.InferenceSession.ReturnType, name: string): Float32Array {
  const t = result[name];
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`internal: ONNX Runtime returned no float32 "${name}"`);
  return t.data;
}

/**
 * One point's top-1 tally over the dataset. A hit is what `evaluate` counts as top-1
 * correct (labelRank 0: ties go to the lower class, NaN never wins), against the labels
 * or, for the agreement metric, against the unpruned model's classes.
 */
export class Tally {
  hits = 0;
  seen = 0;
  /** The top-1 class of every image (argmax, ties to the lower class). */
  readonly predicted: Int32Array;

  constructor(count: number) {
    this.predicted = new Int32Array(count);
  }

  add(logits: Float32Array, range: BatchRange, targets: Int32Array): void {
    const classes = logits.length / range.size;
    for (let i = 0; i < range.size; i++) {
      const at = range.start + i;
      if (labelRank(logits, i * classes, classes, targets[at] as number) === 0) this.hits++;
      this.predicted[at] = argmaxRow(logits, i * classes, classes);
    }
    this.seen += range.size;
  }
}
