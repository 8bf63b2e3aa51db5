/**
 * Shared vocabulary of the ONNX exporter: how a TF.js tensor is represented in the ONNX
 * graph, what a layer converter receives, and small readers for layer configs and weights.
 */
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError } from '../util/errors';
import { intsAttr, type OnnxGraphBuilder } from './onnxGraph';

/**
 * Where the channels sit. TF.js models are NHWC; ONNX convolutions are NCHW. A rank-4
 * tensor lives in the ONNX graph as NCHW ('nchw'), or in TF's NHWC order ('nhwc') where a
 * converter computed it as a matrix product over pixels (see exportConv.ts); other ranks
 * keep TF's order ('plain').
 */
export type Layout = 'nchw' | 'nhwc' | 'plain';

/** One TF.js tensor as it exists in the ONNX graph. */
export interface ExportValue {
  /** ONNX value name. */
  readonly name: string;
  readonly layout: Layout;
  /** The TF.js (NHWC) shape, batch first (null). */
  readonly shape: readonly (number | null)[];
  /**
   * Set by ZeroPadding2D to the name of its Pad output. A MaxPool reading exactly that name
   * must keep ONNX Runtime from fusing the two (src/core/layers/pooling.ts); the name check makes a copy
   * of this field under another name (an activation spreading the value) mean nothing.
   */
  readonly zeroPadded?: string;
}

/** A TF.js layer weight, read once as float32. */
export interface LayerWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** What a converter gets for one call of one layer. */
export interface LayerCall {
  readonly layer: tf.layers.Layer;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly ExportValue[];
  /** The TF.js output shape of this call. */
  readonly outputShape: readonly (number | null)[];
  /** A BatchNormalization layer whose output this call must produce (BN folded in). */
  readonly foldedBatchNorm?: tf.layers.Layer;
  /**
   * An activation layer (ReLU, Activation) reading only this call's output, whose output
   * this call must produce: the converter applies it where ONNX Runtime can fuse it (right
   * after a Conv or Gemm, before any reshaping).
   */
  readonly foldedActivation?: ActivationCall;
}

/** What a folded activation layer brings: enough to convert it in place with its own converter. */
export interface ActivationCall extends Pick<LayerCall, 'layer' | 'className' | 'config' | 'outputShape'> {
  readonly convert: LayerConverter;
}

export type LayerConverter = (g: OnnxGraphBuilder, call: LayerCall) => ExportValue;

/** The error for anything the exporter cannot express, naming the layer and its class. */
export function unsupported(call: Pick<LayerCall, 'layer' | 'className'>, why: string): PruneLensError {
  return new PruneLensError(`cannot export layer "${call.layer.name}" (${call.className}) to ONNX: ${why}`);
}

/** The single input of a one-input layer. */
export function singleInput(call: LayerCall): ExportValue {
  const x = call.inputs[0];
  if (call.inputs.length !== 1 || x === undefined) throw unsupported(call, `expected one input, got ${call.inputs.length}`);
  return x;
}

/** A config entry that is a pair of integers (kernel sizes, strides), accepting a bare number. */
export function configPair(call: LayerCall, key: string, fallback?: readonly [number, number]): [number, number] {
  const v = call.config[key];
  if ((v === undefined || v === null) && fallback) return [fallback[0], fallback[1]];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n))) return [v[0] as number, v[1] as number];
  throw unsupported(call, `config "${key}" is ${JSON.stringify(v)}, expected two integers`);
}

export function configString(call: LayerCall, key: string, fallback: string): string {
  const v = call.config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw unsupported(call, `config "${key}" is ${JSON.stringify(v)}, expected a string`);
  return v;
}

export function configNumber(call: LayerCall, key: string): number | undefined {
  const v = call.config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw unsupported(call, `config "${key}" is ${JSON.stringify(v)}, expected a number`);
  return v;
}

/** Whether an image shape (TF.js order, batch first) is one pixel: there NCHW and NHWC coincide. */
export function isOnePixel(shape: readonly (number | null)[]): boolean {
  return shape[1] === 1 && shape[2] === 1;
}

/**
 * `x` as NCHW, for converters that need ONNX's image layout: an NHWC value is transposed
 * (ONNX Runtime folds such a Transpose into the layout change its convolutions do anyway).
 */
export function asNchw(g: OnnxGraphBuilder, x: ExportValue): ExportValue {
  if (x.layout !== 'nhwc') return x;
  return { ...x, name: g.op('Transpose', [x.name], `${x.name}/to_nchw`, [intsAttr('perm', [0, 3, 1, 2])]), layout: 'nchw' };
}

/** The image input of a one-input layer, NCHW or NHWC (a converter that cares picks the layout). */
export function requireImage(call: LayerCall): ExportValue {
  const x = singleInput(call);
  if (x.layout === 'plain') throw unsupported(call, `expected a 4-D image input, got shape [${x.shape.join(', ')}]`);
  return x;
}

/** The image input of a one-input, channels-last layer, as NCHW. */
export function nchwImage(g: OnnxGraphBuilder, call: LayerCall): ExportValue {
  requireChannelsLast(call);
  const x = asNchw(g, singleInput(call));
  if (x.layout !== 'nchw') throw unsupported(call, `expected a 4-D image input, got shape [${x.shape.join(', ')}]`);
  return x;
}

/** Refuses channels-first layers: the exporter's layout bookkeeping assumes channels last. */
export function requireChannelsLast(call: LayerCall): void {
  const df = configString(call, 'dataFormat', 'channelsLast');
  if (df !== 'channelsLast') throw unsupported(call, `dataFormat "${df}" (only channelsLast is supported)`);
}

/**
 * A layer's weights keyed by their short name ("kernel", "bias", "gamma", "moving_mean",
 * ...). Keyed by name rather than position because which weights exist depends on config
 * (useBias, center, scale).
 */
export function layerWeights(layer: tf.layers.Layer): Map<string, LayerWeight> {
  const out = new Map<string, LayerWeight>();
  for (const v of layer.weights) {
    const short = v.originalName.split('/').pop() ?? v.originalName;
    const t = v.read();
    out.set(short, { shape: t.shape, data: Float32Array.from(t.dataSync()) });
  }
  return out;
}

export function requireWeight(call: Pick<LayerCall, 'layer' | 'className'>, weights: Map<string, LayerWeight>, key: string): LayerWeight {
  const w = weights.get(key);
  if (!w) throw unsupported(call, `weight "${key}" not found (has: ${[...weights.keys()].join(', ') || 'none'})`);
  return w;
}

/** Converts a TF.js axis of a tensor with the given layout and rank to the ONNX axis. */
export function onnxAxis(call: LayerCall, value: ExportValue, tfAxis: number): number {
  const rank = value.shape.length;
  const a = tfAxis < 0 ? tfAxis + rank : tfAxis;
  if (a < 0 || a >= rank) throw unsupported(call, `axis ${tfAxis} is out of range for rank ${rank}`);
  return value.layout === 'nchw' ? ([0, 2, 3, 1][a] as number) : a;
}
