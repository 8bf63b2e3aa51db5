/**
 * An ImageStore over stored images (uint8 pixels or float32 values, NHWC or NCHW) whose
 * bytes live in memory or in a file: each read fetches only the images asked for and turns
 * them into NHWC float32 values (scaling.ts). An image folder's cache, .npy files (read in
 * place, never loaded whole) and .npz arrays all read through it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { ImageStore } from './dataset';
import { floatsToValues, pixelsToValues, storedSize, type StoredShape } from './scaling';
import { PruneLensError, errorText } from '../util/errors';

/** Runs of images as [first, count]. */
export type Runs = readonly (readonly [number, number])[];

/** Where stored images' bytes come from. */
export interface ByteSource {
  readonly count: number;
  readonly bytesPerImage: number;
  /** The bytes of each run of images, in order; each array starts at byte 0 of its own buffer or of the source. */
  readRuns(runs: Runs): Uint8Array[];
}

/** Images held in memory: runs are views, never copies. */
export function memoryBytes(bytes: Uint8Array, count: number, bytesPerImage: number): ByteSource {
  return {
    count,
    bytesPerImage,
    readRuns: (runs) => runs.map(([start, n]) => bytes.subarray(start * bytesPerImage, (start + n) * bytesPerImage)),
  };
}

/** Runs `fn` on `file` opened for reading, and closes it; a file that cannot be opened is an error naming it. */
export function withOpenFile<T>(file: string, fn: (fd: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new PruneLensError(`cannot read file (${errorText(e)})`, file);
  }
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Images in a file from byte `offset` on: each call opens the file, reads the runs at their positions, and closes it. */
export function fileBytes(file: string, offset: number, count: number, bytesPerImage: number): ByteSource {
  return {
    count,
    bytesPerImage,
    readRuns(runs) {
      return withOpenFile(file, (fd) =>
        runs.map(([start, n]) => {
          const out = new Uint8Array(n * bytesPerImage);
          let done = 0;
          while (done < out.length) {
            const got = fs.readSync(fd, out, done, out.length - done, offset + start * bytesPerImage + done);
            if (got === 0) throw new PruneLensError(`is shorter than its header says (images ${start} .. ${start + n - 1} are missing)`, file);
            done += got;
          }
          return out;
        }),
      );
    },
  };
}

export interface StoredImages {
  readonly dtype: 'uint8' | 'float32';
  readonly shape: StoredShape;
  /** For uint8: scalingTable(preprocessing); float32 values are used as stored. */
  readonly table?: Float32Array;
  /** A digest known in advance (an image folder's cache records one); otherwise computed on first use. */
  readonly digest?: string;
}

function asFloats(bytes: Uint8Array): Float32Array {
  // Float32Array views need 4-byte alignment; a misaligned run is copied once.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/** Streams sha256 over the source's bytes, `chunk` images at a time. */
function digestOf(source: ByteSource, chunk = 64): string {
  const hash = createHash('sha256');
  for (let start = 0; start < source.count; start += chunk) {
    for (const part of source.readRuns([[start, Math.min(chunk, source.count - start)]])) hash.update(part);
  }
  return hash.digest('hex');
}

export function createImageStore(source: ByteSource, images: StoredImages): ImageStore {
  const { dtype, shape, table } = images;
  const bytesPerValue = dtype === 'uint8' ? 1 : 4;
  if (source.bytesPerImage !== storedSize(shape) * bytesPerValue) throw new Error('internal: image size and stored shape disagree');
  if (dtype === 'uint8' && table === undefined) throw new Error('internal: uint8 images need a scaling table');
  const per = shape.height * shape.width * shape.order.length;
  let digest = images.digest;
  const convert = (bytes: Uint8Array, n: number, out: Float32Array, at: number): void => {
    if (dtype === 'uint8') pixelsToValues(bytes, n, shape, table as Float32Array, out, at);
    else floatsToValues(asFloats(bytes), n, shape, out, at);
  };
  const check = (i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= source.count) throw new RangeError(`image ${i} is outside 0 .. ${source.count - 1}`);
  };
  return {
    encoding: `${dtype} ${shape.layout} ${shape.height}x${shape.width}x${shape.channels} channels ${shape.order.join(',')}`,
    read(start, count) {
      const out = new Float32Array(count * per);
      if (count === 0) return out;
      check(start);
      check(start + count - 1);
      convert(source.readRuns([[start, count]])[0] as Uint8Array, count, out, 0);
      return out;
    },
    gather(indices) {
      const out = new Float32Array(indices.length * per);
      const runs: [number, number][] = [];
      for (let i = 0; i < indices.length; i++) {
        check(indices[i] as number);
        runs.push([indices[i] as number, 1]);
      }
      source.readRuns(runs).forEach((bytes, i) => convert(bytes, 1, out, i));
      return out;
    },
    digest() {
      digest ??= digestOf(source);
      return digest;
    },
  };
}
