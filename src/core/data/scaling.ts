/**
 * From stored pixels to model values. Stored images keep 8-bit pixels (an image folder's
 * cache, uint8 arrays, IDX files) and are scaled when read, through one 256-entry table
 * per channel. That is exact, not an approximation: the scaling is a per-channel function
 * of the 8-bit pixel alone, so tabulating it for all 256 pixel values, each computed in
 * double precision and rounded once to float32, gives the very value computing it image by
 * image would give, at a table lookup per value. Float arrays are used as stored and only
 * rearranged (NCHW to NHWC).
 */
import type { Preprocessing } from '../../shared/preprocessing';

/** How stored images are laid out: per image, channels last (NHWC) or first (NCHW). */
export type PixelLayout = 'nhwc' | 'nchw';

/** The shape of the stored images and how their channels map to the model's. */
export interface StoredShape {
  readonly height: number;
  readonly width: number;
  /** Channels per stored image. */
  readonly channels: number;
  readonly layout: PixelLayout;
  /** Output channel k reads stored channel order[k]; length = the model's channels. */
  readonly order: readonly number[];
}

/** table[c * 256 + p] = the value of pixel p in output channel c: (p / 255 - mean[c]) / std[c]. */
export function scalingTable(p: Pick<Preprocessing, 'mean' | 'std'>): Float32Array {
  const channels = p.mean.length;
  const table = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = p.mean[c] as number;
    const std = p.std[c] as number;
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - mean) / std;
  }
  return table;
}

/** Values per stored image. */
export function storedSize(s: StoredShape): number {
  return s.height * s.width * s.channels;
}

function isIdentity(s: StoredShape): boolean {
  return s.layout === 'nhwc' && s.order.length === s.channels && s.order.every((c, k) => c === k);
}

/** For each value of one output image (NHWC, the model's channels), its offset in the stored image. */
function sourceOffsets(s: StoredShape): Int32Array {
  const hw = s.height * s.width;
  const cOut = s.order.length;
  const map = new Int32Array(hw * cOut);
  for (let px = 0; px < hw; px++) {
    for (let k = 0; k < cOut; k++) {
      const c = s.order[k] as number;
      map[px * cOut + k] = s.layout === 'nhwc' ? px * s.channels + c : c * hw + px;
    }
  }
  return map;
}

/**
 * Writes `count` stored uint8 images from `src` as NHWC float32 values into `out` at image
 * `at`, through `table` (scalingTable) and the channel order.
 */
export function pixelsToValues(src: Uint8Array, count: number, shape: StoredShape, table: Float32Array, out: Float32Array, at: number): void {
  const cOut = shape.order.length;
  const per = shape.height * shape.width * cOut;
  const o = at * per;
  if (isIdentity(shape) && cOut === 3) {
    // The common case (RGB pixels in order), unrolled: a modulo per value costs half the time.
    for (let i = 0; i < count * per; i += 3) {
      out[o + i] = table[src[i] as number] as number;
      out[o + i + 1] = table[256 + (src[i + 1] as number)] as number;
      out[o + i + 2] = table[512 + (src[i + 2] as number)] as number;
    }
    return;
  }
  if (isIdentity(shape)) {
    for (let i = 0; i < count * per; i++) out[o + i] = table[(i % cOut) * 256 + (src[i] as number)] as number;
    return;
  }
  const map = sourceOffsets(shape);
  const stored = storedSize(shape);
  for (let img = 0; img < count; img++) {
    const base = img * stored;
    const dst = o + img * per;
    for (let j = 0; j < per; j++) out[dst + j] = table[(j % cOut) * 256 + (src[base + (map[j] as number)] as number)] as number;
  }
}

/** Writes `count` stored float32 images as NHWC values into `out` at image `at` (no scaling). */
export function floatsToValues(src: Float32Array, count: number, shape: StoredShape, out: Float32Array, at: number): void {
  const per = shape.height * shape.width * shape.order.length;
  if (isIdentity(shape)) {
    out.set(src.subarray(0, count * per), at * per);
    return;
  }
  const map = sourceOffsets(shape);
  const stored = storedSize(shape);
  for (let img = 0; img < count; img++) {
    const base = img * stored;
    const dst = (at + img) * per;
    for (let j = 0; j < per; j++) out[dst + j] = src[base + (map[j] as number)] as number;
  }
}
