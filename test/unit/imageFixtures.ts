/**
 * Image files and arrays the data tests write for themselves: images encoded by sharp
 * (JPEG, PNG, WebP; RGB, grey, with alpha; any size) from pixels a function gives, class
 * trees of them, and .npy/.npz arrays.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { zipSync } from 'fflate';
import { encodeNpy } from '../../src/core/data/npy';

export function tempDir(prefix = 'prunelens-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageSpec {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly format?: ImageFormat;
  /** The value of channel c at (x, y); default: a gradient that differs per channel. */
  readonly pixel?: (x: number, y: number, c: number) => number;
}

/** The raw pixels an ImageSpec describes, HWC. */
export function pixelsOf(spec: ImageSpec): Uint8Array {
  const pixel = spec.pixel ?? ((x: number, y: number, c: number) => (x * 37 + y * 11 + c * 71) % 256);
  const out = new Uint8Array(spec.width * spec.height * spec.channels);
  for (let y = 0; y < spec.height; y++) for (let x = 0; x < spec.width; x++) for (let c = 0; c < spec.channels; c++) out[(y * spec.width + x) * spec.channels + c] = pixel(x, y, c);
  return out;
}

/** Writes one image; grey images are written as real one- (or two-) channel files. */
export async function writeImage(file: string, spec: ImageSpec): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let img = sharp(Buffer.from(pixelsOf(spec)), { raw: { width: spec.width, height: spec.height, channels: spec.channels } });
  if (spec.channels <= 2) img = img.toColourspace('b-w');
  const format = spec.format ?? 'png';
  img = format === 'png' ? img.png() : format === 'jpeg' ? img.jpeg({ quality: 95 }) : img.webp({ lossless: true });
  await img.toFile(file);
}

/** Writes `perClass` images into each class folder under `root`, cycling through formats and channel counts. */
export async function writeClassTree(root: string, classes: readonly string[], perClass: number, size = { width: 20, height: 16 }): Promise<void> {
  const formats: ImageFormat[] = ['png', 'jpeg', 'webp'];
  const channels: (1 | 2 | 3 | 4)[] = [3, 1, 4, 2];
  let n = 0;
  for (const [k, cls] of classes.entries()) {
    for (let i = 0; i < perClass; i++, n++) {
      const format = formats[n % formats.length] as ImageFormat;
      const ext = format === 'jpeg' ? 'jpg' : format;
      await writeImage(path.join(root, cls, `img${i}.${ext}`), {
        width: size.width + (n % 3),
        height: size.height + (n % 2),
        channels: channels[n % channels.length] as 1 | 2 | 3 | 4,
        format,
        pixel: (x, y, c) => (40 * k + 3 * x + 5 * y + 17 * c) % 256,
      });
    }
  }
}

/** A .npy file's bytes. */
export function npy(descr: string, shape: readonly number[], data: ArrayBufferView): Uint8Array {
  return encodeNpy(descr, shape, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** A .npz (np.savez) holding the named .npy arrays. */
export function npz(arrays: Record<string, Uint8Array>, compressed = false): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(arrays).map(([name, bytes]) => [`${name}.npy`, [bytes, { level: compressed ? 6 : 0 }]])));
}

/** Asserts that `p` rejects with a message naming `file` and matching `pattern`. */
export function rejectsNaming(p: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  return assert.rejects(p, (e: Error) => {
    assert.ok(e.message.includes(file), `"${e.message}" names ${file}`);
    assert.match(e.message, pattern);
    return true;
  });
}
