/**
 * Reader for MNIST-format IDX files (raw or gzipped): unsigned-byte images, [N, H, W]
 * (grey) or [N, H, W, C] (C channels, RGB when 3), and idx1 unsigned-byte labels. Every
 * problem is reported with the file it is in.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { PruneLensError } from '../util/errors';
import type { Preprocessing } from '../../shared/preprocessing';
import type { InMemoryDataset } from './dataset';
import { pixelsToValues, scalingTable } from './scaling';

/** IDX type code for unsigned bytes, the only element type MNIST-format files use. */
const UBYTE = 0x08;

interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/** Most data bytes an IDX file may declare: it is held in memory whole, then as float32 values four times that. */
export const MAX_IDX_DATA_BYTES = 2 ** 30;

/** Compressed bytes unpacked to read a gzipped file's header (at most about 66 MB once unpacked). */
const GZIP_HEADER_PREFIX = 64 * 1024;

function isGzip(raw: Uint8Array): boolean {
  // Gzip streams start with 1f 8b whatever the file is called.
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/** The data bytes an IDX header declares (the product of its dimensions), or undefined when it is too short to say. */
function declaredBytes(head: Buffer): number | undefined {
  if (head.length < 4) return undefined;
  const rank = head[3] as number;
  if (head.length < 4 + 4 * rank) return undefined;
  let n = 1;
  for (let i = 0; i < rank; i++) n *= head.readUInt32BE(4 + 4 * i);
  return 4 + 4 * rank + n;
}

function checkDeclared(total: number | undefined, file: string): void {
  if (total !== undefined && total > MAX_IDX_DATA_BYTES) {
    throw new PruneLensError(`its header declares ${total} bytes of data, more than PruneLens reads from one IDX file (${MAX_IDX_DATA_BYTES} bytes); use an image folder or a .npy file, which are read image by image`, file);
  }
}

/**
 * A gzipped file unpacked, never to more than its IDX header declares: the header is read
 * from the start of the stream first, so a small file that would unpack to gigabytes (a
 * gzip bomb, or a header that lies) is refused instead of being expanded.
 */
function gunzipBounded(raw: Buffer, file: string): Buffer {
  let head: Buffer;
  try {
    head = zlib.gunzipSync(raw.subarray(0, GZIP_HEADER_PREFIX), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (e) {
    throw new PruneLensError(`corrupt gzip data (${(e as Error).message})`, file);
  }
  const declared = declaredBytes(head);
  checkDeclared(declared, file);
  try {
    // One byte more than declared tells "too long" apart from "exactly right".
    return zlib.gunzipSync(raw, declared === undefined ? {} : { maxOutputLength: declared + 1 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PruneLensError(`unpacks to more than the ${declared} bytes its header declares; refused without unpacking it further`, file);
    }
    throw new PruneLensError(`corrupt gzip data (${(e as Error).message})`, file);
  }
}

function readMaybeGzipped(file: string): Buffer {
  let raw: Buffer;
  try {
    const size = fs.statSync(file).size;
    // An unpacked file is its data: a size beyond the limit is refused before reading it.
    if (size > MAX_IDX_DATA_BYTES + 4 + 4 * 255) checkDeclared(size, file);
    raw = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof PruneLensError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new PruneLensError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`, file);
  }
  if (!isGzip(raw)) {
    checkDeclared(declaredBytes(raw), file);
    return raw;
  }
  const unpacked = gunzipBounded(raw, file);
  const declared = declaredBytes(unpacked);
  if (declared !== undefined && unpacked.length > declared) throw new PruneLensError(`unpacks to more than the ${declared} bytes its header declares; refused`, file);
  return unpacked;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Parses an IDX file whose element type is unsigned byte and whose rank is one of `ranks`. */
export function readIdx(file: string, ranks: number | readonly number[]): IdxArray {
  const allowed = typeof ranks === 'number' ? [ranks] : ranks;
  const buf = readMaybeGzipped(file);
  if (buf.length < 4) throw new PruneLensError(`too short to be an IDX file (${buf.length} bytes)`, file);
  const magic = buf.readUInt32BE(0);
  const rank = allowed.find((r) => magic === ((UBYTE << 8) | r));
  if (buf[0] !== 0 || buf[1] !== 0 || rank === undefined) {
    const images = allowed.some((r) => r >= 3);
    throw new PruneLensError(
      `wrong magic number ${hex(magic)}: expected ${allowed.map((r) => hex((UBYTE << 8) | r)).join(' or ')} ` +
        `(IDX, unsigned bytes, ${allowed.join(' or ')} dimension${allowed.length === 1 && allowed[0] === 1 ? '' : 's'}: ${images ? 'an images file' : 'a labels file'})`,
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
  /** The scaling and channel order; default: pixels / 255 as stored. */
  readonly preprocessing?: Preprocessing;
}

/** The image dimensions of an images file: [N, H, W] is grey, [N, H, W, C] has C channels. */
function imageDims(images: IdxArray): { count: number; height: number; width: number; channels: number } {
  const [count, height, width, channels = 1] = images.dims as [number, number, number, number?];
  return { count, height, width, channels };
}

/** The pixels as values: pixels / 255, or through the preprocessing's scaling and channel order. */
function scaledPixels(images: IdxArray, opts: IdxDatasetOptions): Pick<InMemoryDataset, 'images' | 'preprocessing'> {
  const { count, height, width, channels } = imageDims(images);
  const p = opts.preprocessing;
  const order = channels === 3 && p?.channels === 'bgr' ? [2, 1, 0] : Array.from({ length: channels }, (_, k) => k);
  const table = scalingTable(p ?? { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) });
  const values = new Float32Array(images.data.length);
  pixelsToValues(images.data, count, { height, width, channels, layout: 'nhwc', order }, table, values, 0);
  return { images: values, ...(p ? { preprocessing: p } : {}) };
}

const IMAGE_RANKS = [3, 4];

/** Reads an images file alone: a dataset without labels, for label-free metrics. */
export function readIdxImages(imagesFile: string, opts: IdxDatasetOptions = {}): InMemoryDataset {
  const images = readIdx(imagesFile, IMAGE_RANKS);
  const { count, height, width, channels } = imageDims(images);
  return { source: imagesFile, ...scaledPixels(images, opts), labels: new Int32Array(count), unlabeled: true, count, height, width, channels, numClasses: opts.numClasses ?? 10 };
}

/** Reads an images file and its labels file into a dataset (scaled to [0, 1] by default). */
export function readIdxDataset(imagesFile: string, labelsFile: string, opts: IdxDatasetOptions = {}): InMemoryDataset {
  const images = readIdx(imagesFile, IMAGE_RANKS);
  const labels = readIdx(labelsFile, 1);
  const { count, height, width, channels } = imageDims(images);
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
  return { source: imagesFile, ...scaledPixels(images, opts), labels: labelArray, count, height, width, channels, numClasses };
}

/** Encodes a dataset as IDX files (used by tests and to export the built-in data). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((UBYTE << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
