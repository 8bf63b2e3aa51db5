/**
 * A content fingerprint of an evaluation dataset, so that a results file can tell whether
 * its points were measured on the images at hand. It covers what the metric depends on:
 * the shape (count, height, width, channels), every image value and every label, in
 * order (the metric does not depend on the order, but a reordered file is rare and a false
 * "different data" is cheaper than a false "same data"). The source path is left out: the
 * same digits copied to another folder are the same data.
 */
import { createHash } from 'node:crypto';
import type { ImageDataset } from '../data/dataset';
import type { DatasetIdentity } from '../../shared/results';

const FINGERPRINT_VERSION = 'prunelens-dataset-fingerprint-v1';

/** sha256, hex, over the dataset's shape, images and labels. */
export function datasetFingerprint(dataset: ImageDataset): string {
  const hash = createHash('sha256');
  hash.update(`${FINGERPRINT_VERSION}\n`);
  hash.update(JSON.stringify({ count: dataset.count, height: dataset.height, width: dataset.width, channels: dataset.channels }));
  hash.update('\nimages float32\n');
  hash.update(new Uint8Array(dataset.images.buffer, dataset.images.byteOffset, dataset.images.byteLength));
  hash.update('\nlabels int32\n');
  hash.update(new Uint8Array(dataset.labels.buffer, dataset.labels.byteOffset, dataset.labels.byteLength));
  return hash.digest('hex');
}

/** What a results file records about the dataset; `spec` is how the user named it. */
export function datasetIdentity(dataset: ImageDataset, spec: string = dataset.source): DatasetIdentity {
  return { fingerprint: datasetFingerprint(dataset), spec, count: dataset.count };
}
