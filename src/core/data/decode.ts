/**
 * One image file to model-sized 8-bit pixels, with sharp (libvips): decode, drop any alpha
 * (as PIL's convert('RGB') does for torchvision and Keras), make grey images RGB, resize,
 * centre-crop. Channel order and grey are done here on the decoded RGB pixels.
 *
 * Geometry (torchvision's Resize(S) + CenterCrop): with `resize` S the shorter side becomes
 * S and the longer floor(S * long / short); without it the image is scaled just enough to
 * cover the crop (for a square crop, shorter side = the crop's side). The crop offsets are
 * round((resized - crop) / 2), halves to even, as Python rounds them. The resampling is
 * libvips' linear kernel, which widens with the reduction (like PIL's antialiased bilinear,
 * torchvision's default since 0.17); values can differ from PIL's by a level or two.
 *
 * sharp is a native addon, loaded on first use so that a command without image files never
 * loads it and a broken install is reported as a PruneLensError.
 */
import * as fs from 'node:fs';
import type Sharp from 'sharp';
import type { Preprocessing } from '../../shared/preprocessing';
import { PruneLensError, errorText } from '../util/errors';

type SharpModule = typeof Sharp;

let sharpModule: Promise<SharpModule> | undefined;

/** Loads sharp once per process, with libvips' operation cache off: each file is decoded once. */
export function loadSharp(): Promise<SharpModule> {
  // require, not import(): the bundles are CommonJS, and import() would take sharp's ES module
  // entry, which the .vsix leaves out (it ships sharp's CommonJS build only).
  sharpModule ??= Promise.resolve()
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .then(() => require('sharp') as SharpModule | { default: SharpModule })
    .then((m) => {
      const sharp = ('default' in m ? m.default : m) as SharpModule;
      sharp.cache(false);
      return sharp;
    })
    .catch((e: unknown) => {
      sharpModule = undefined;
      throw new PruneLensError(`could not load sharp (the native image decoder): ${errorText(e)}`);
    });
  return sharpModule;
}

export interface ResizePlan {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The size to resize a `srcW` x `srcH` image to, and where the crop starts in it. */
export function resizePlan(srcW: number, srcH: number, p: Pick<Preprocessing, 'resize' | 'crop'>): ResizePlan {
  const [cropH, cropW] = p.crop;
  let width: number;
  let height: number;
  const side = p.resize ?? (cropH === cropW ? cropH : undefined);
  if (side !== undefined) {
    const long = Math.floor((side * Math.max(srcW, srcH)) / Math.min(srcW, srcH));
    [width, height] = srcW <= srcH ? [side, long] : [long, side];
  } else {
    const scale = Math.max(cropW / srcW, cropH / srcH);
    width = Math.max(cropW, Math.round(srcW * scale));
    height = Math.max(cropH, Math.round(srcH * scale));
  }
  return { width, height, left: roundHalfEven((width - cropW) / 2), top: roundHalfEven((height - cropH) / 2) };
}

/** Grey from RGB as PIL's convert('L') computes it (ITU-R 601-2 luma, rounded). */
export function rgbToGrey(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) {
    out[i] = ((rgb[3 * i] as number) * 19595 + (rgb[3 * i + 1] as number) * 38470 + (rgb[3 * i + 2] as number) * 7471 + 0x8000) >> 16;
  }
  return out;
}

/** BGR from RGB, in place. */
function swapRedBlue(px: Uint8Array): Uint8Array {
  for (let i = 0; i < px.length; i += 3) {
    const r = px[i] as number;
    px[i] = px[i + 2] as number;
    px[i + 2] = r;
  }
  return px;
}

/** `file` decoded to crop height x width x (1 or 3) pixels in the preprocessing's channel order. */
export async function decodeImage(file: string, p: Pick<Preprocessing, 'resize' | 'crop' | 'channels'>): Promise<Uint8Array> {
  const sharp = await loadSharp();
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    throw new PruneLensError(`cannot read image (${errorText(e)})`, file);
  }
  try {
    const meta = await sharp(bytes).metadata();
    if (meta.width === undefined || meta.height === undefined) throw new Error('no image size in its header');
    const plan = resizePlan(meta.width, meta.height, p);
    const [cropH, cropW] = p.crop;
    const { data, info } = await sharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(plan.width, plan.height, { fit: 'fill', kernel: 'linear' })
      .extract({ left: plan.left, top: plan.top, width: cropW, height: cropH })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== cropW || info.height !== cropH) throw new Error(`decoded to ${info.width} x ${info.height} x ${info.channels}`);
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return p.channels === 'grey' ? rgbToGrey(rgb) : p.channels === 'bgr' ? swapRedBlue(rgb) : rgb;
  } catch (e) {
    const text = errorText(e);
    const what = /unsupported image format/i.test(text) ? 'is not an image in a format PruneLens reads (JPEG, PNG, WebP, TIFF)' : `cannot be decoded (${text})`;
    throw new PruneLensError(what, file);
  }
}
