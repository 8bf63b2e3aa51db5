/**
 * Reader for MNIST-format IDX files (raw or gzipped): idx3 unsigned-byte images and idx1
 * unsigned-byte labels. Every problem is reported with the file it is in.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { PruneLensError } from '../util/errors';
import type { ImageDataset } from './dataset';

/** IDX type code for unsigned bytes, the only element type MNIST-format files use. */
const UBYTE = 0x08;

interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

function readMaybeGzipped(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PruneLensError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`, file);
  }
  // Gzip streams start with 1f 8b whatever the file is called.
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return zlib.gunzipSync(raw);
    } catch (e) {
      throw new PruneLensError(`corrupt gzip data (${(e as Error).message})`, file);
    }
  }
  return raw;
}

/** Parses an IDX file whose element type is unsigned byte and whose rank is `rank`. */
export function readIdx(file: string, rank: number): IdxArray {
  const buf = readMaybeGzipped(file);
  if (buf.length < 4) throw new PruneLensError(`too short to be an IDX file (${buf.length} bytes)`, file);
  const magic = buf.readUInt32BE(0);
  const expected = (UBYTE << 8) | rank;
  if (buf[0] !== 0 || buf[1] !== 0 || magic !== expected) {
    throw new PruneLensError(
      `wrong magic number 0x${magic.toString(16).padStart(8, '0')}: expected 0x${expected.toString(16).padStart(8, '0')} ` +
        `(IDX, unsigned bytes, ${rank} dimension${rank === 1 ? '' : 's'}: ${rank === 3 ? 'an images file' : 'a labels file'})`,
      file,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) throw new PruneLensError('header is truncated', file);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const available = buf.length - headerBytes;
  if (available !== count) {
    throw new PruneLensError(
      `header declares ${dims.join(' x ')} = ${count} bytes of data but the file holds ${available}`,
      file,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, count) };
}

export interface IdxDatasetOptions {
  /** Number of classes the model predicts; labels at or above it are an error. */
  readonly numClasses?: number;
}

function scaledPixels(images: IdxArray): Float32Array {
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (images.data[i] as number) / 255;
  return pixels;
}

/** Reads an images file alone: a dataset without labels, for label-free metrics. */
export function readIdxImages(imagesFile: string, opts: IdxDatasetOptions = {}): ImageDataset {
  const images = readIdx(imagesFile, 3);
  const [count, height, width] = images.dims as [number, number, number];
  return { source: imagesFile, images: scaledPixels(images), labels: new Int32Array(count), unlabeled: true, count, height, width, channels: 1, numClasses: opts.numClasses ?? 10 };
}

/** Reads an images file and its labels file into a dataset scaled to [0, 1]. */
export function readIdxDataset(imagesFile: string, labelsFile: string, opts: IdxDatasetOptions = {}): ImageDataset {
  const images = readIdx(imagesFile, 3);
  const labels = readIdx(labelsFile, 1);
  const [count, height, width] = images.dims as [number, number, number];
  const labelCount = labels.dims[0] ?? 0;
  if (count !== labelCount) {
    throw new PruneLensError(`holds ${count} images but ${labelsFile} holds ${labelCount} labels`, imagesFile);
  }
  const numClasses = opts.numClasses ?? 10;
  const labelArray = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i] as number;
    if (label >= numClasses) {
      throw new PruneLensError(`label ${label} at index ${i} is out of range for ${numClasses} classes`, labelsFile);
    }
    labelArray[i] = label;
  }
  return { source: imagesFile, images: scaledPixels(images), labels: labelArray, count, height, width, channels: 1, numClasses };
}

/** Encodes a dataset as IDX files (used by tests and to export the built-in data). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((UBYTE << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
