/**
 * The dataset as the fast engine walks it: fixed batches (so a value cached for batch b
 * while scanning one group lines up with batch b of the next), in dataset order or, in quick
 * mode, in one seeded random order that every group and point shares; the images of a batch
 * as an ONNX Runtime tensor (without copying when in order); and the per-point tally of
 * top-1 hits, which in quick mode also feeds the point's interval and says when to stop.
 */
import type * as Ort from 'onnxruntime-node';
import { gatherImages, readImages, type ImageDataset } from '../data/dataset';
import { labelRank } from '../eval/evaluate';
import { argmaxRow } from '../sensitivity/metrics';
import type { QuickPoint } from '../sensitivity/quickPoint';
import type { Feeds } from './groupParts';

export interface BatchRange {
  readonly index: number;
  /** Position of the batch's first image in the walk. */
  readonly start: number;
  readonly size: number;
  /** The batch's images by dataset index, when the walk is not in dataset order. */
  readonly images?: Uint32Array;
}

/** Batches of `batchSize` over `count` images, in dataset order or in `order` (a permutation). */
export function batchRanges(count: number, batchSize: number, order?: Uint32Array): BatchRange[] {
  const out: BatchRange[] = [];
  for (let start = 0, index = 0; start < count; start += batchSize, index++) {
    const size = Math.min(batchSize, count - start);
    out.push({ index, start, size, ...(order !== undefined ? { images: order.subarray(start, start + size) } : {}) });
  }
  return out;
}

/** The dataset index of the batch's `i`-th image. */
function imageAt(range: BatchRange, i: number): number {
  return range.images === undefined ? range.start + i : (range.images[i] as number);
}

/** Batch b's images, NHWC as the trunk's input takes them (a view of in-memory data read in order, else a copy). */
export function imageTensor(ort: typeof Ort, dataset: ImageDataset, range: BatchRange): Ort.Tensor {
  const images = range.images === undefined ? readImages(dataset, range.start, range.size) : gatherImages(dataset, range.images);
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
  /** The top-1 class of every image seen (argmax, ties to the lower class), by dataset index. */
  readonly predicted: Int32Array;
  /** 1 for every image seen that is a hit, by dataset index. */
  readonly correct: Uint8Array;

  /** With `quick`, the point's interval follows every image added, in the walk's order. */
  constructor(
    count: number,
    readonly quick?: QuickPoint,
  ) {
    this.predicted = new Int32Array(count);
    this.correct = new Uint8Array(count);
  }

  /** Whether a quick point has seen enough images (never for an exact one: it sees them all). */
  get done(): boolean {
    return this.quick?.done ?? false;
  }

  add(logits: Float32Array, range: BatchRange, targets: Int32Array): void {
    const classes = logits.length / range.size;
    for (let i = 0; i < range.size; i++) {
      const at = imageAt(range, i);
      const hit = labelRank(logits, i * classes, classes, targets[at] as number) === 0;
      if (hit) this.hits++;
      this.correct[at] = hit ? 1 : 0;
      this.predicted[at] = argmaxRow(logits, i * classes, classes);
      this.quick?.add(at, hit);
    }
    this.seen += range.size;
  }
}
