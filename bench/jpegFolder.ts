/**
 * Photo-like test images written as files, for the benchmarks of the image path: smooth
 * colour fields plus noise (so they compress like photos, not like flat colour), in one
 * folder per class, as an image-folder dataset lays them out (docs/data.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSharp } from '../src/core/data/decode';

export interface JpegFolderOptions {
  /** Width and height in pixels (default 224). */
  readonly side?: number;
  /** Class folders the images are dealt into, image i to class i mod classes (default 10). */
  readonly classes?: number;
  readonly format?: 'jpeg' | 'png';
}

/** Writes `n` RGB images under `root`/classK/ (JPEG quality 90, or PNG); returns their paths. */
export async function writeJpegs(root: string, n: number, opts: JpegFolderOptions = {}): Promise<string[]> {
  const side = opts.side ?? 224;
  const classes = opts.classes ?? 10;
  const format = opts.format ?? 'jpeg';
  const sharp = await loadSharp();
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(side * side * 3);
    let seed = i * 2654435761;
    for (let p = 0; p < side * side; p++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const [x, y] = [p % side, Math.floor(p / side)];
      for (let c = 0; c < 3; c++) px[p * 3 + c] = (x * (c + 1) + y * (3 - c) + i * 17 + ((seed >>> (8 * c)) & 31)) & 255;
    }
    const file = path.join(root, `class${i % classes}`, `img${i}.${format === 'jpeg' ? 'jpg' : 'png'}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const img = sharp(px, { raw: { width: side, height: side, channels: 3 } });
    await (format === 'jpeg' ? img.jpeg({ quality: 90 }) : img.png()).toFile(file);
    files.push(file);
  }
  return files;
}
