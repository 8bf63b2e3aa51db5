/**
 * A content fingerprint of an evaluation dataset, so that a results file can tell whether
 * its points were measured on the images at hand. It covers what the metric depends on:
 * the shape (count, height, width, channels), every image value and every label, in
 * order (the metric does not depend on the order, but a reordered file is rare and a false
 * "different data" is cheaper than a false "same data"). The source path is left out: the
 * same digits copied to another folder are the same data.
 *
 * Two versions, one per kind of dataset, each stable for its kind:
 * - v1 (float values in memory: the built-in digits, IDX files) hashes the float32 values;
 * - v2 (stored images decoded on read: an image folder's cache, .npy/.npz arrays) hashes
 *   the stored bytes' digest, how they are decoded (`encoding`) and the preprocessing, which
 *   together determine every value, so a scan over 20,000 photos never reads them back
 *   to hash them.
 */
import { createHash } from 'node:crypto';
import type { ImageDataset } from '../data/dataset';
import type { DatasetIdentity } from '../../shared/results';

const FINGERPRINT_VERSION = 'prunelens-dataset-fingerprint-v1';
const STORED_FINGERPRINT_VERSION = 'prunelens-dataset-fingerprint-v2';

/** sha256, hex, over the dataset's shape, images and labels. */
export function datasetFingerprint(dataset: ImageDataset): string {
  const hash = createHash('sha256');
  const shape = JSON.stringify({ count: dataset.count, height: dataset.height, width: dataset.width, channels: dataset.channels });
  if ('images' in dataset) {
    hash.update(`${FINGERPRINT_VERSION}\n${shape}\nimages float32\n`);
    hash.update(new Uint8Array(dataset.images.buffer, dataset.images.byteOffset, dataset.images.byteLength));
  } else {
    hash.update(`${STORED_FINGERPRINT_VERSION}\n${shape}\n`);
    hash.update(`images ${dataset.store.encoding} ${dataset.store.digest()}\n`);
    hash.update(`preprocessing ${JSON.stringify(dataset.preprocessing ?? null)}\n`);
  }
  hash.update('\nlabels int32\n');
  hash.update(new Uint8Array(dataset.labels.buffer, dataset.labels.byteOffset, dataset.labels.byteLength));
  return hash.digest('hex');
}

/** What a results file records about the dataset; `spec` is how the user named it. */
export function datasetIdentity(dataset: ImageDataset, spec: string = dataset.source): DatasetIdentity {
  return { fingerprint: datasetFingerprint(dataset), spec, count: dataset.count, ...(dataset.preprocessing ? { preprocessing: dataset.preprocessing } : {}) };
}
