/**
 * Datasets from NumPy arrays: what a PyTorch or Keras user dumps in one line.
 *
 * - `FILE.npz` (np.savez): images and labels are the first pair of arrays found among
 *   x_SPLIT/y_SPLIT (keras.datasets' own mnist.npz), x/y, images/labels, X/Y and
 *   arr_0/arr_1 (np.savez with positional arrays).
 * - `FILE.npy` (np.save): the images; the labels are the first of FILE_labels.npy,
 *   FILE.labels.npy, the name with its leading x/X turned into y/Y (x_test.npy ->
 *   y_test.npy), and the name with "images" turned into "labels" that exists beside it.
 *
 * Images are [N, H, W, C] (NHWC, Keras), [N, C, H, W] (NCHW, PyTorch) or [N, H, W] (grey),
 * uint8 pixels (scaled by the preprocessing; channels stored as RGB) or float32 values
 * (used as stored). The layout is the one whose shape matches the model's input. Labels are
 * [N] or [N, 1] integers. A .npy is read in place, image by image; a .npz is unpacked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InputSize } from '../../shared/preprocessing';
import { PruneLensError, errorText } from '../util/errors';
import type { StoredDataset } from './dataset';
import { elementBytes, elementCount, npzNames, readNpyHeader, readNpzArrays, type NpyArray, type NpyHeader } from './npy';
import { createImageStore, fileBytes, memoryBytes, type ByteSource } from './pixelStore';
import { checkFloatsAsStored, pixelPreprocessing, type PreprocessingSources } from './preprocess';
import { scalingTable, type PixelLayout, type StoredShape } from './scaling';

export interface ArrayDatasetOptions {
  readonly split: 'train' | 'test';
  readonly input: InputSize;
  readonly numClasses: number;
  readonly preprocessing: PreprocessingSources;
  /** Accept images without labels (for label-free metrics). */
  readonly labelsOptional?: boolean;
}

/** Where the images and the labels are, and how to read the labels. */
interface Located {
  readonly imagesName: string;
  readonly header: NpyHeader;
  readonly bytes: (bytesPerImage: number) => ByteSource;
  readonly labelsName?: string;
  readonly labels?: () => NpyArray;
}

const NPZ_PAIRS = (split: string): [string, string][] => [[`x_${split}`, `y_${split}`], ['x', 'y'], ['images', 'labels'], ['X', 'Y'], ['arr_0', 'arr_1']];

function readWhole(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new PruneLensError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read file (${errorText(e)})`, file);
  }
}

function checkLength(available: number, header: NpyHeader, bytesPerImage: number, file: string): void {
  const needed = (header.shape[0] ?? 0) * bytesPerImage;
  if (available < needed) throw new PruneLensError(`is truncated: its header declares [${header.shape.join(', ')}] (${needed} bytes of data) but it holds ${available}`, file);
}

function locateNpz(file: string, split: string): Located {
  const bytes = readWhole(file);
  const names = npzNames(file, bytes);
  const pair = NPZ_PAIRS(split).find(([x]) => names.includes(x));
  if (pair === undefined) {
    throw new PruneLensError(`has no images array: expected one named ${NPZ_PAIRS(split).map(([x]) => x).join(', ')}; it holds ${names.join(', ') || 'no arrays'}`, file);
  }
  const [x, y] = pair;
  const arrays = readNpzArrays(file, bytes, names.includes(y) ? [x, y] : [x]);
  const images = arrays.get(x) as NpyArray;
  const labels = arrays.get(y);
  return {
    imagesName: `${file}[${x}]`,
    header: images.header,
    bytes: (per) => {
      checkLength(images.data.length, images.header, per, `${file}[${x}]`);
      return memoryBytes(images.data, images.header.shape[0] ?? 0, per);
    },
    ...(labels !== undefined ? { labelsName: `${file}[${y}]`, labels: () => labels } : {}),
  };
}

/** The labels file beside an images .npy, if one of the documented names exists. */
export function labelsFileFor(imagesFile: string): string | undefined {
  const dir = path.dirname(imagesFile);
  const stem = path.basename(imagesFile, '.npy');
  const candidates = [`${stem}_labels`, `${stem}.labels`];
  if (/^[xX]/.test(stem)) candidates.push(`${stem[0] === 'x' ? 'y' : 'Y'}${stem.slice(1)}`);
  if (stem.includes('images')) candidates.push(stem.replace(/images(?!.*images)/, 'labels'));
  return candidates.map((c) => path.join(dir, `${c}.npy`)).find((f) => fs.existsSync(f));
}

function locateNpy(file: string): Located {
  const header = readNpyHeader(file);
  const labelsFile = labelsFileFor(file);
  return {
    imagesName: file,
    header,
    bytes: (per) => {
      checkLength(fs.statSync(file).size - header.dataOffset, header, per, file);
      return fileBytes(file, header.dataOffset, header.shape[0] ?? 0, per);
    },
    ...(labelsFile !== undefined
      ? {
          labelsName: labelsFile,
          labels: () => {
            const whole = readWhole(labelsFile);
            const h = readNpyHeader(labelsFile);
            return { header: h, data: whole.subarray(h.dataOffset) };
          },
        }
      : {}),
  };
}

/** NHWC, NCHW or grey [N, H, W], whichever matches the model's input; an error naming the file otherwise. */
function layoutOf(header: NpyHeader, input: InputSize, file: string): { layout: PixelLayout; channels: number } {
  const [, a, b, c] = header.shape;
  const { height: h, width: w, channels: ch } = input;
  if (header.shape.length === 4 && a === h && b === w && c === ch) return { layout: 'nhwc', channels: ch };
  if (header.shape.length === 4 && a === ch && b === h && c === w) return { layout: 'nchw', channels: ch };
  if (header.shape.length === 3 && ch === 1 && a === h && b === w) return { layout: 'nhwc', channels: 1 };
  throw new PruneLensError(
    `holds images of shape [${header.shape.join(', ')}]: a model taking ${h} x ${w} x ${ch} needs [N, ${h}, ${w}, ${ch}] (NHWC), [N, ${ch}, ${h}, ${w}] (NCHW)` +
      `${ch === 1 ? ` or [N, ${h}, ${w}]` : ''}`,
    file,
  );
}

/** Integer labels of any width as Int32Array, checked against the count and the classes. */
export function labelArray(arr: NpyArray, count: number, numClasses: number, file: string): Int32Array {
  const { descr, shape } = arr.header;
  const size = elementBytes(descr);
  if (size === undefined || descr[1] === 'f') throw new PruneLensError(`holds labels of type ${descr}: expected integers (uint8, int32, int64, ...)`, file);
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1)) || shape[0] !== count) {
    throw new PruneLensError(`holds labels of shape [${shape.join(', ')}]: expected [${count}] (one per image)`, file);
  }
  if (arr.data.length < count * size) throw new PruneLensError(`holds ${arr.data.length} bytes of labels, fewer than ${count} x ${size}`, file);
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const signed = descr[1] === 'i';
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    const v =
      size === 1 ? (signed ? view.getInt8(at) : view.getUint8(at))
      : size === 2 ? (signed ? view.getInt16(at, true) : view.getUint16(at, true))
      : size === 4 ? (signed ? view.getInt32(at, true) : view.getUint32(at, true))
      : Number(signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true));
    if (v < 0 || v >= numClasses) throw new PruneLensError(`label ${v} at index ${i} is out of range for a model with ${numClasses} classes`, file);
    out[i] = v;
  }
  return out;
}

/** A dataset over a .npy or .npz file, checked against the model's input before any image is read. */
export function openArrayDataset(file: string, opts: ArrayDatasetOptions): StoredDataset {
  const located = file.toLowerCase().endsWith('.npz') ? locateNpz(file, opts.split) : locateNpy(file);
  const { header, imagesName } = located;
  if (header.descr !== '|u1' && header.descr !== '<f4') {
    throw new PruneLensError(`holds images of type ${header.descr}: expected uint8 (|u1) pixels or float32 (<f4) values (x.astype('float32') or x.astype('uint8'))`, imagesName);
  }
  const { layout, channels } = layoutOf(header, opts.input, imagesName);
  const count = header.shape[0] as number;
  const dtype = header.descr === '|u1' ? 'uint8' : 'float32';
  const preprocessing = dtype === 'uint8' ? pixelPreprocessing(opts.preprocessing, opts.input, imagesName) : undefined;
  if (dtype === 'float32') checkFloatsAsStored(opts.preprocessing, imagesName);
  // Stored channels are RGB (as PIL, torchvision and Keras load images); BGR reverses them.
  const order = channels === 3 && preprocessing?.channels === 'bgr' ? [2, 1, 0] : Array.from({ length: channels }, (_, k) => k);
  const shape: StoredShape = { height: opts.input.height, width: opts.input.width, channels, layout, order };
  const per = elementCount(header.shape.slice(1)) * (dtype === 'uint8' ? 1 : 4);
  const source = located.bytes(per);
  if (located.labels === undefined && !opts.labelsOptional) {
    throw new PruneLensError(`has no labels array beside it (see docs/data.md for the names looked for; without labels, a sensitivity scan can use --metric agreement; training and eval need labels)`, imagesName);
  }
  const labels = located.labels ? labelArray(located.labels(), count, opts.numClasses, located.labelsName as string) : new Int32Array(count);
  return {
    source: imagesName,
    labels,
    ...(located.labels === undefined ? { unlabeled: true } : {}),
    count,
    height: opts.input.height,
    width: opts.input.width,
    channels,
    numClasses: opts.numClasses,
    ...(preprocessing ? { preprocessing } : {}),
    store: createImageStore(source, { dtype, shape, ...(preprocessing ? { table: scalingTable(preprocessing) } : {}) }),
  };
}
