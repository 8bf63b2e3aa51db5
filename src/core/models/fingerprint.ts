/**
 * A content fingerprint of a model, so that results files can tell whether they were
 * measured on the model at hand. It covers what determines the model's outputs: the
 * topology (layer classes, configs, wiring, names) and every weight's name, dtype, shape
 * and bytes. It leaves out what does not: the TF.js version stamp in the topology, and the
 * process-local suffixes TF.js gives repeated variable names.
 */
import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';

const FINGERPRINT_VERSION = 'prunelens-model-fingerprint-v1';

/** JSON with object keys sorted, so equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256, hex, over the topology and the weights of `model`. Reads weights synchronously. */
export function modelFingerprint(model: tf.LayersModel): string {
  const hash = createHash('sha256');
  hash.update(`${FINGERPRINT_VERSION}\n`);
  const topology = model.toJSON(null, false) as Record<string, unknown>;
  hash.update(canonicalJson({ class_name: topology['class_name'], config: topology['config'] }));
  for (const weight of model.weights) {
    const header = { name: weight.originalName, dtype: weight.dtype, shape: weight.shape };
    hash.update(`\n${canonicalJson(header)}\n`);
    const values = weight.read().dataSync();
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}
