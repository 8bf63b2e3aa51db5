/**
 * Pooling as TF.js layers: without padding or ceil mode TF.js's own pooling layers compute
 * the same; otherwise a function layer pads explicitly (minus infinity for max pooling) and
 * divides an average by the count of the window's values that ONNX counts.
 */
import * as tf from '@tensorflow/tfjs';
import type { TfjsImportContext, TfjsImporter } from '../../layers/onnx/importTypes';
import { configInt, configInts, normaliseAxis } from '../../layers/onnx/config';
import { FunctionLayer } from './customLayers';
import { apply, explicitPads, imageInput, onlyInput, pair, refuse } from './importUtil';

/** End padding that makes a 'valid' window count give ONNX's output size (ceil mode). */
function ceilExtra(ctx: TfjsImportContext, pads: readonly number[], kernel: [number, number], strides: [number, number]): [number, number] {
  const input = ctx.inputShapes[0] ?? [];
  return [0, 1].map((i) => {
    const size = input[i + 2];
    const out = ctx.outputShape[i + 2];
    if (typeof size !== 'number' || typeof out !== 'number') refuse('its input has an unknown size');
    return Math.max(0, (out - 1) * (strides[i] as number) + (kernel[i] as number) - (size + (pads[i] as number) + (pads[i + 2] as number)));
  }) as [number, number];
}

export const importPool: TfjsImporter = (ctx) => {
  const x = imageInput(ctx);
  const kernel = pair(ctx, 'kernel_shape', 1);
  const strides = pair(ctx, 'strides', 1);
  if (pair(ctx, 'dilations', 1).some((d) => d !== 1)) refuse('dilated pooling');
  const pads = explicitPads(ctx, ctx.inputShapes[0] ?? [], kernel, strides, [1, 1]);
  const [eh, ew] = ceilExtra(ctx, pads, kernel, strides);
  const max = ctx.opType === 'MaxPool';
  const name = ctx.layerName();
  if (pads.every((p) => p === 0) && eh === 0 && ew === 0) {
    const layer = max ? tf.layers.maxPooling2d({ poolSize: kernel, strides, padding: 'valid', name }) : tf.layers.averagePooling2d({ poolSize: kernel, strides, padding: 'valid', name });
    return apply(layer, [x], 'image');
  }
  const [t, l, b, r] = pads;
  const spec: [number, number][] = [[0, 0], [t, b + eh], [l, r + ew], [0, 0]];
  const countPads = configInt(ctx.config, 'count_include_pad', 0) === 1;
  const [, h, w, c] = [null, ...ctx.outputShape.slice(2), ctx.outputShape[1]];
  const pool = (v: tf.Tensor4D): tf.Tensor4D => (max ? tf.maxPool(v, kernel, strides, 'valid') : tf.avgPool(v, kernel, strides, 'valid'));
  const fn = ([input]: tf.Tensor[]): tf.Tensor => {
    const v = input as tf.Tensor4D;
    if (max) return pool(tf.pad(v, spec, -Infinity));
    // The share of each window that ONNX counts: the input (and the pads with count_include_pad), never the ceil-mode overhang.
    const [, ih = 1, iw = 1] = v.shape;
    const ones = tf.ones([1, ih, iw, 1]) as tf.Tensor4D;
    const counted = countPads ? tf.pad(tf.pad(ones, [[0, 0], [t, b], [l, r], [0, 0]], 1), [[0, 0], [0, eh], [0, ew], [0, 0]]) : tf.pad(ones, spec);
    return tf.div(pool(tf.pad(v, spec)), pool(counted as tf.Tensor4D));
  };
  return apply(new FunctionLayer(name, fn, (s) => [s[0]?.[0] ?? null, h ?? null, w ?? null, c ?? null]), [x], 'image');
};

export const importGlobalPool: TfjsImporter = (ctx) => {
  const x = imageInput(ctx);
  const c = ctx.inputShapes[0]?.[1];
  if (typeof c !== 'number') refuse('its input has an unknown channel count');
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: ctx.layerName() }), [x], 'plain');
  // ONNX keeps [N, C, 1, 1]: an image of one pixel.
  return apply(tf.layers.reshape({ targetShape: [1, 1, c], name: ctx.layerName('keep') }), [pooled], 'image');
};

/**
 * A mean over an image's positions: a global average pool, keeping the axes or not. The
 * image is NCHW (axes 2, 3) or, in a tf2onnx export, NHWC (axes 1, 2): TF.js holds both NHWC.
 */
export const importReduceMean: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axes = (configInts(ctx.config, 'axes') ?? []).map((a) => normaliseAxis(a, rank)).sort();
  const positions = x.layout === 'image' ? '2,3' : '1,2';
  if (rank !== 4 || axes.join(',') !== positions) refuse("a mean over other axes than an image's height and width");
  const keep = configInt(ctx.config, 'keepdims', 1) === 1;
  if (keep && x.layout === 'image') return importGlobalPool(ctx);
  if (keep) refuse('a kept-axes mean of an NHWC tensor');
  return apply(tf.layers.globalAveragePooling2d({ name: ctx.layerName() }), [x], 'plain');
};
