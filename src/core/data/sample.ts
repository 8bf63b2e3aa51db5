/**
 * `--limit N`: a seeded, class-stratified sample, so that a quick scan on a few hundred
 * images sees every class in its proportion and the same N picks the same images on every
 * run (the dataset fingerprint, and so resuming, depends on it).
 */
import { createHash } from 'node:crypto';
import { permutation } from './batches';
import { gatherImages, type ImageDataset } from './dataset';

/** The seed every sample uses: the same N gives the same images whatever else changes. */
export const SAMPLE_SEED = 0;

/**
 * Indices (ascending) of `n` of the images labelled `labels`: each class gets its share of
 * n by largest remainder (ties to the lower class), drawn by a seeded permutation.
 */
export function stratifiedSample(labels: Int32Array, n: number, seed = SAMPLE_SEED): Uint32Array {
  if (n >= labels.length) return Uint32Array.from(labels, (_, i) => i);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const members = byClass.get(label) ?? [];
    members.push(i);
    byClass.set(label, members);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => ((byClass.get(c) as number[]).length * n) / labels.length);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, k) => k).sort((a, b) => (exact[b] as number) - (take[b] as number) - ((exact[a] as number) - (take[a] as number)) || a - b);
  for (const k of byRemainder) {
    if (left === 0) break;
    take[k] = (take[k] as number) + 1;
    left--;
  }
  const picked: number[] = [];
  classes.forEach((c, k) => {
    const members = byClass.get(c) as number[];
    const order = permutation(members.length, seed + c);
    for (let i = 0; i < (take[k] as number); i++) picked.push(members[order[i] as number] as number);
  });
  return Uint32Array.from(picked.sort((a, b) => a - b));
}

/** The images at `indices` of `ds` as a dataset of their own (copied when in memory, read through otherwise). */
export function subsetDataset(ds: ImageDataset, indices: Uint32Array, note: string): ImageDataset {
  const labels = Int32Array.from(indices, (i) => ds.labels[i] as number);
  const info = { ...ds, source: `${ds.source} (${note})`, labels, count: indices.length };
  if ('images' in ds) return { ...info, images: gatherImages(ds, indices) };
  const base = ds.store;
  return {
    ...info,
    store: {
      encoding: base.encoding,
      read: (start, count) => base.gather(indices.subarray(start, start + count)),
      gather: (at) => base.gather(Array.from(at as ArrayLike<number>, (i) => indices[i] as number)),
      // The parent's content and which of its images were picked determine the subset's.
      digest: () => createHash('sha256').update(`${base.digest()}\n`).update(new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength)).digest('hex'),
    },
  };
}
