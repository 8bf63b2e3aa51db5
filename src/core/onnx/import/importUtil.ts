/**
 * What the ONNX-to-TF.js converters share: refusing a node with the reason, reading its
 * weights and attributes, moving axes between ONNX's order and the TF.js tensor's, and
 * permuting weight arrays (OIHW to HWIO and back).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImportedValue, TfjsImportContext, WeightLink } from '../../layers/onnx/importTypes';
import { configInt, configInts } from '../../layers/onnx/config';
import type { OnnxIrTensor } from '../types';

/** Thrown by a converter for what TF.js layers cannot express; importModel.ts names the node. */
export class ImportRefusal extends Error {}

export function refuse(reason: string): never {
  throw new ImportRefusal(reason);
}

/** A weight's values as float32, or undefined when the node does not have it. */
export function floatWeight(ctx: TfjsImportContext, name: string): OnnxIrTensor & { data: Float32Array } {
  const t = ctx.weight(name);
  if (t === undefined || !(t.data instanceof Float32Array)) refuse(`its ${name} is not a constant float32 weight`);
  return t as OnnxIrTensor & { data: Float32Array };
}

/** The node's one tensor input, held as an NHWC image. */
export function imageInput(ctx: TfjsImportContext): ImportedValue {
  const x = ctx.inputs[0];
  if (ctx.inputs.length !== 1 || x === undefined) refuse('it has more than one tensor input');
  if (x.layout !== 'image') refuse('its input is not an NCHW image');
  return x;
}

export function onlyInput(ctx: TfjsImportContext): ImportedValue {
  const x = ctx.inputs[0];
  if (ctx.inputs.length !== 1 || x === undefined) refuse('it has more than one tensor input');
  return x;
}

/** The TF.js axis of ONNX axis `axis` of a value (an NCHW image is held NHWC). */
export function tfAxis(value: ImportedValue, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (value.layout !== 'image') return a;
  return [0, 3, 1, 2][a] ?? a;
}

/** `data` with shape `dims` permuted: output axis i is input axis perm[i]. */
export function permute(data: Float32Array, dims: readonly number[], perm: readonly number[]): Float32Array {
  const rank = dims.length;
  const outDims = perm.map((p) => dims[p] as number);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (dims[i + 1] as number);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let at = 0;
    for (let i = 0; i < rank; i++) at += (index[i] as number) * (inStrides[perm[i] as number] as number);
    out[o] = data[at] as number;
    for (let i = rank - 1; i >= 0; i--) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (outDims[i] as number)) break;
      index[i] = 0;
    }
  }
  return out;
}

/** The inverse of a permutation. */
export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** A link whose TF.js weight is the initializer permuted by `perm` (identity when undefined). */
export function permutedLink(layer: string, weight: string, t: OnnxIrTensor, perm?: readonly number[]): WeightLink {
  if (perm === undefined) return { layer, weight, initializer: t.name, toTfjs: (v) => v, toOnnx: (v) => v };
  const tfDims = perm.map((p) => t.dims[p] as number);
  const back = inversePerm(perm);
  return { layer, weight, initializer: t.name, toTfjs: (v) => permute(v, t.dims, perm), toOnnx: (v) => permute(v, tfDims, back) };
}

/** A spatial pair attribute (kernel, strides, dilations) with its default. */
export function pair(ctx: TfjsImportContext, key: string, fallback: number): [number, number] {
  const v = configInts(ctx.config, key) ?? [fallback, fallback];
  if (v.length !== 2) refuse(`${key} has ${v.length} values (only 2-D windows are imported)`);
  return [v[0] as number, v[1] as number];
}

/** ONNX pads [top, left, bottom, right], resolving auto_pad SAME_UPPER / VALID for a given input size. */
export function explicitPads(ctx: TfjsImportContext, input: readonly (number | null)[], kernel: [number, number], strides: [number, number], dilations: [number, number]): [number, number, number, number] {
  const auto = typeof ctx.config['auto_pad'] === 'string' ? (ctx.config['auto_pad'] as string) : 'NOTSET';
  if (auto === 'NOTSET' || auto === '') {
    const pads = configInts(ctx.config, 'pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) refuse(`pads has ${pads.length} values`);
    return pads as [number, number, number, number];
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') refuse(`auto_pad ${auto}`);
  const pads: number[] = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    const size = input[i + 2];
    if (typeof size !== 'number') refuse('its input has an unknown size');
    const out = Math.ceil(size / (strides[i] as number));
    const total = Math.max(0, (out - 1) * (strides[i] as number) + ((kernel[i] as number) - 1) * (dilations[i] as number) + 1 - size);
    const small = Math.floor(total / 2);
    pads[i] = auto === 'SAME_UPPER' ? small : total - small;
    pads[i + 2] = total - (pads[i] as number);
  }
  return pads as [number, number, number, number];
}

/** `x` zero-padded as ONNX pads [top, left, bottom, right] say (no layer when they are 0). */
export function zeroPad(ctx: TfjsImportContext, x: ImportedValue, pads: readonly number[]): ImportedValue {
  const [t = 0, l = 0, b = 0, r = 0] = pads;
  if (t === 0 && l === 0 && b === 0 && r === 0) return x;
  if ([t, l, b, r].some((p) => p < 0)) refuse('negative padding');
  const layer = tf.layers.zeroPadding2d({ padding: [[t, b], [l, r]], name: ctx.layerName('pad') });
  return { tensor: layer.apply(x.tensor) as tf.SymbolicTensor, layout: 'image' };
}

export function groupsOf(ctx: TfjsImportContext): number {
  return configInt(ctx.config, 'group', 1);
}

export function apply(layer: tf.layers.Layer, inputs: readonly ImportedValue[], layout: ImportedValue['layout']): ImportedValue {
  const tensors = inputs.map((v) => v.tensor);
  return { tensor: layer.apply(tensors.length === 1 ? (tensors[0] as tf.SymbolicTensor) : tensors) as tf.SymbolicTensor, layout };
}
