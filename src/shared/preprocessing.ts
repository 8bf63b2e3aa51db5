/**
 * How decoded pixels become the numbers a model reads: the resize and centre crop, the
 * channel order and the value scaling. Stated once (command-line options, a model folder's
 * prunelens.json, or the defaults), resolved against the model's input shape, and recorded
 * in results files so a reader knows what the points were measured on.
 *
 * Every scaling is one formula per channel c, on a pixel p in 0..255 (torchvision's
 * Normalize convention): value = (p / 255 - mean[c]) / std[c]. The presets are fixed
 * mean/std pairs (see SCALING_PRESET_VALUES). docs/data.md describes all of it for people.
 *
 * This module has no Node imports: the extension and the webview use it too.
 */

export type ScalingPreset = 'unit' | 'symmetric' | 'imagenet' | 'caffe';

export const SCALING_PRESETS: readonly ScalingPreset[] = ['unit', 'symmetric', 'imagenet', 'caffe'];

export type ChannelOrder = 'rgb' | 'bgr' | 'grey';

export const CHANNEL_ORDERS: readonly ChannelOrder[] = ['rgb', 'bgr', 'grey'];

/** Keras' caffe-mode means, per channel in B, G, R order, on the 0..255 scale. */
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

/**
 * Each preset as mean/std on the [0, 1] scale (the channel order they assume is noted):
 * - unit: p / 255, in [0, 1] (TF.js and Keras models trained on rescaled pixels);
 * - symmetric: p / 127.5 - 1, in [-1, 1] (Keras MobileNet, MobileNetV2, Inception, Xception);
 * - imagenet: (p / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225], RGB (torchvision);
 * - caffe: p - [103.939, 116.779, 123.68], BGR (Keras ResNet50, VGG16, VGG19).
 */
export const SCALING_PRESET_VALUES: Readonly<Record<ScalingPreset, { readonly mean: readonly number[]; readonly std: readonly number[] }>> = {
  unit: { mean: [0], std: [1] },
  symmetric: { mean: [0.5], std: [0.5] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  caffe: { mean: CAFFE_MEAN_BGR.map((m) => m / 255), std: [1 / 255] },
};

/**
 * What a user or a model's prunelens.json asks for; every field may be left out. Give a
 * `scaling` preset, or `mean`/`std` (a custom scaling), not both.
 */
export interface PreprocessingRequest {
  /** Resize so the shorter side has this many pixels, then centre-crop to the model's input. */
  readonly resize?: number;
  readonly channels?: ChannelOrder;
  readonly scaling?: ScalingPreset;
  /** One value, or one per channel, on the [0, 1] scale (as torchvision's Normalize takes them). */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/** The preprocessing in force for a dataset, as results files record it. */
export interface Preprocessing {
  /**
   * The shorter side is resized to this many pixels before the centre crop. Absent: each
   * image is resized just enough to cover the crop (for a square input, shorter side =
   * the input's side). Arrays and IDX files are never resized (absent too).
   */
  readonly resize?: number;
  /** The centre crop, [height, width]: the model's input size. */
  readonly crop: readonly [number, number];
  readonly channels: ChannelOrder;
  readonly scaling: ScalingPreset | 'custom';
  /** value = (p / 255 - mean[c]) / std[c]; one entry per channel, in `channels` order. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** A preprocessing request or record that cannot be used; the message says why. */
export class PreprocessingError extends Error {
  override readonly name = 'PreprocessingError';
}

/** The model input the preprocessing is resolved against. */
export interface InputSize {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function perChannel(values: readonly number[], channels: number, what: string): number[] {
  if (values.length === channels) return [...values];
  if (values.length === 1) return new Array<number>(channels).fill(values[0] as number);
  throw new PreprocessingError(`${what} has ${values.length} values; give one, or one per channel (${channels})`);
}

/** The fields of the request that state the scaling, or undefined when it states none. */
function scalingOf(r: PreprocessingRequest | undefined): Pick<PreprocessingRequest, 'scaling' | 'mean' | 'std'> | undefined {
  if (r === undefined || (r.scaling === undefined && r.mean === undefined && r.std === undefined)) return undefined;
  return r;
}

/**
 * The preprocessing for a model: each part from the first source that states it, the
 * user's request before the model's prunelens.json before the defaults (the model's input
 * size, `unit` scaling, RGB for three channels and grey for one; BGR under `caffe`).
 * Scaling counts as one part: a preset on the command line replaces a model file's custom
 * mean/std, and the other way round.
 */
export function resolvePreprocessing(request: PreprocessingRequest | undefined, modelFile: PreprocessingRequest | undefined, input: InputSize): Preprocessing {
  const { height, width, channels: c } = input;
  if (c !== 1 && c !== 3) throw new PreprocessingError(`the model takes ${c} channels; images give 1 (grey) or 3 (RGB/BGR)`);
  const stated = combinedRequest(request, modelFile);
  const resize = stated?.resize;
  if (resize !== undefined && (!Number.isInteger(resize) || resize < Math.max(height, width))) {
    throw new PreprocessingError(`resize ${resize} is too small: the shorter side must be an integer of at least ${Math.max(height, width)} to centre-crop ${height} x ${width}`);
  }
  const scale = scalingOf(stated) ?? { scaling: 'unit' as const };
  if (scale.scaling !== undefined && (scale.mean !== undefined || scale.std !== undefined)) {
    throw new PreprocessingError(`give a scaling preset (${scale.scaling}) or mean/std, not both`);
  }
  const channels = stated?.channels ?? (c === 1 ? 'grey' : scale.scaling === 'caffe' ? 'bgr' : 'rgb');
  if ((channels === 'grey') !== (c === 1)) throw new PreprocessingError(`channels ${channels} give ${channels === 'grey' ? 1 : 3}, but the model takes ${c}`);
  if (scale.scaling === 'caffe' && channels !== 'bgr') throw new PreprocessingError(`the caffe scaling is for BGR input, but channels are ${channels}`);
  const preset = scale.scaling !== undefined ? SCALING_PRESET_VALUES[scale.scaling] : undefined;
  const mean = perChannel(preset?.mean ?? scale.mean ?? [0], c, 'mean');
  const std = perChannel(preset?.std ?? scale.std ?? [1], c, 'std');
  for (const v of [...mean, ...std]) if (!Number.isFinite(v)) throw new PreprocessingError(`mean and std must be numbers, got ${v}`);
  if (std.some((s) => s === 0)) throw new PreprocessingError('std must not be 0');
  return {
    ...(resize !== undefined ? { resize } : {}),
    crop: [height, width],
    channels,
    scaling: scale.scaling ?? 'custom',
    mean,
    std,
  };
}

/**
 * Each part from the first source that states it, the user's request before the model's
 * prunelens.json, without the defaults: what resolvePreprocessing starts from, and what a
 * model written from another states in its own prunelens.json. Undefined when neither
 * source states anything.
 */
export function combinedRequest(request: PreprocessingRequest | undefined, modelFile: PreprocessingRequest | undefined): PreprocessingRequest | undefined {
  const resize = request?.resize ?? modelFile?.resize;
  const channels = request?.channels ?? modelFile?.channels;
  const scale = scalingOf(request) ?? scalingOf(modelFile);
  const combined: PreprocessingRequest = {
    ...(resize !== undefined ? { resize } : {}),
    ...(channels !== undefined ? { channels } : {}),
    ...(scale?.scaling !== undefined ? { scaling: scale.scaling } : {}),
    ...(scale?.mean !== undefined ? { mean: scale.mean } : {}),
    ...(scale?.std !== undefined ? { std: scale.std } : {}),
  };
  return Object.keys(combined).length > 0 ? combined : undefined;
}

/** One line for logs and the editor, e.g. "resize 256, crop 224 x 224, rgb, imagenet". */
export function describePreprocessing(p: Preprocessing): string {
  const size = `${p.resize !== undefined ? `resize ${p.resize}, ` : ''}crop ${p.crop[0]} x ${p.crop[1]}`;
  const scaling = p.scaling === 'custom' ? `mean ${p.mean.join(',')} std ${p.std.join(',')}` : p.scaling;
  return `${size}, ${p.channels}, ${scaling}`;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberList(v: unknown, what: string): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new PreprocessingError(`"${what}" must be a number or a list of numbers`);
  }
  return list as number[];
}

const REQUEST_KEYS = ['resize', 'channels', 'scaling', 'mean', 'std'];

/**
 * Checks the "preprocessing" object of a prunelens.json (docs/data.md): the request fields
 * only, each of its type; an unknown key is refused so that a typo is not silently ignored.
 */
export function parsePreprocessingRequest(value: unknown): PreprocessingRequest {
  if (!isObject(value)) throw new PreprocessingError('"preprocessing" must be an object');
  const unknown = Object.keys(value).filter((k) => !REQUEST_KEYS.includes(k));
  if (unknown.length > 0) throw new PreprocessingError(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} in "preprocessing" (known: ${REQUEST_KEYS.join(', ')})`);
  const { resize, channels, scaling, mean, std } = value;
  if (resize !== undefined && (typeof resize !== 'number' || !Number.isInteger(resize) || resize < 1)) throw new PreprocessingError('"resize" must be a positive integer');
  if (channels !== undefined && !(CHANNEL_ORDERS as readonly unknown[]).includes(channels)) throw new PreprocessingError(`"channels" must be one of ${CHANNEL_ORDERS.join(', ')}`);
  if (scaling !== undefined && !(SCALING_PRESETS as readonly unknown[]).includes(scaling)) throw new PreprocessingError(`"scaling" must be one of ${SCALING_PRESETS.join(', ')} (or give "mean" and "std")`);
  return {
    ...(resize !== undefined ? { resize: resize as number } : {}),
    ...(channels !== undefined ? { channels: channels as ChannelOrder } : {}),
    ...(scaling !== undefined ? { scaling: scaling as ScalingPreset } : {}),
    ...(mean !== undefined ? { mean: numberList(mean, 'mean') } : {}),
    ...(std !== undefined ? { std: numberList(std, 'std') } : {}),
  };
}

/** Checks a recorded Preprocessing (a results file's metadata.dataset.preprocessing). */
export function parsePreprocessingRecord(value: unknown): Preprocessing {
  if (!isObject(value)) throw new PreprocessingError('expected an object');
  const { resize, crop, channels, scaling, mean, std } = value;
  if (resize !== undefined && (typeof resize !== 'number' || !Number.isInteger(resize) || resize < 1)) throw new PreprocessingError('"resize" must be a positive integer');
  if (!Array.isArray(crop) || crop.length !== 2 || crop.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) throw new PreprocessingError('"crop" must be [height, width]');
  if (!(CHANNEL_ORDERS as readonly unknown[]).includes(channels)) throw new PreprocessingError(`"channels" must be one of ${CHANNEL_ORDERS.join(', ')}`);
  if (!([...SCALING_PRESETS, 'custom'] as readonly unknown[]).includes(scaling)) throw new PreprocessingError(`"scaling" must be one of ${SCALING_PRESETS.join(', ')}, custom`);
  return {
    ...(resize !== undefined ? { resize: resize as number } : {}),
    crop: [crop[0] as number, crop[1] as number],
    channels: channels as ChannelOrder,
    scaling: scaling as ScalingPreset | 'custom',
    mean: numberList(mean, 'mean'),
    std: numberList(std, 'std'),
  };
}

/** The name of the file beside a model.json that states the model's preprocessing. */
export const MODEL_CONFIG_FILE = 'prunelens.json';

/** A prunelens.json: {"preprocessing": {...}}; other top-level keys are left for later use. */
export function parseModelConfig(value: unknown): { readonly preprocessing?: PreprocessingRequest } {
  if (!isObject(value)) throw new PreprocessingError('expected a JSON object');
  return value['preprocessing'] === undefined ? {} : { preprocessing: parsePreprocessingRequest(value['preprocessing']) };
}
