/**
 * The decoder choice, measured: sharp (libvips, native) against the pure-JS jpeg-js and
 * pngjs on the same files, one image at a time, and sharp as the cache build runs it
 * (decode + resize + centre crop, several images at once). The pure-JS decoders only
 * decode; the resize they would still need is not counted in their favour or against them.
 */
import * as fs from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeImage, loadSharp } from '../src/core/data/decode';
import { median } from './scanSpeedPeak';

export interface DecoderRow {
  readonly name: string;
  readonly imagesPerSecond: number;
}

async function rate(files: readonly string[], repeats: number, decode: (bytes: Buffer, file: string) => unknown): Promise<number> {
  const bytes = files.map((f) => fs.readFileSync(f));
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (const [i, b] of bytes.entries()) await decode(b, files[i] as string);
    runs.push(files.length / ((performance.now() - start) / 1000));
  }
  return median(runs);
}

async function concurrentRate(files: readonly string[], repeats: number, at: number, decode: (file: string) => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: at }, async () => {
      while (next < files.length) await decode(files[next++] as string);
    }));
    runs.push(files.length / ((performance.now() - start) / 1000));
  }
  return median(runs);
}

/** Decoder figures for `jpegs` and `pngs` (each repeated `repeats` times, medians). */
export async function decoderRows(jpegs: readonly string[], pngs: readonly string[], repeats: number, crop: number, concurrency: number): Promise<DecoderRow[]> {
  const sharp = await loadSharp();
  const geometry = { crop: [crop, crop] as const, channels: 'rgb' as const };
  return [
    { name: 'JPEG decode, jpeg-js (pure JS), 1 at a time', imagesPerSecond: await rate(jpegs, repeats, (b) => jpeg.decode(b, { useTArray: true })) },
    { name: 'JPEG decode, sharp, 1 at a time', imagesPerSecond: await rate(jpegs, repeats, (b) => sharp(b).raw().toBuffer()) },
    { name: `JPEG decode + resize + crop ${crop}, sharp, 1 at a time`, imagesPerSecond: await rate(jpegs, repeats, (_b, f) => decodeImage(f, geometry)) },
    { name: `JPEG decode + resize + crop ${crop}, sharp, ${concurrency} at a time`, imagesPerSecond: await concurrentRate(jpegs, repeats, concurrency, (f) => decodeImage(f, geometry)) },
    { name: 'PNG decode, pngjs (pure JS), 1 at a time', imagesPerSecond: await rate(pngs, repeats, (b) => PNG.sync.read(b)) },
    { name: 'PNG decode, sharp, 1 at a time', imagesPerSecond: await rate(pngs, repeats, (b) => sharp(b).raw().toBuffer()) },
  ];
}
