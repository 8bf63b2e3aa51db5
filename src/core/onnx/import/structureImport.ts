/**
 * Axis moves as TF.js layers. A Transpose between NCHW and NHWC changes only how ONNX
 * orders the axes of a tensor TF.js already holds NHWC, so it needs no layer. Flattening an
 * NCHW image flattens in channel-major order, so TF.js permutes to [C, H, W] first (the
 * Gemm after it then reads its rows as exported); with one pixel the orders coincide.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImportedValue, TfjsImportContext, TfjsImporter } from '../../layers/onnx/importTypes';
import { configInt, configInts, normaliseAxis } from '../../layers/onnx/config';
import { apply, onlyInput, refuse, tfAxis } from './importUtil';

export const importConcat: TfjsImporter = (ctx) => {
  const [first] = ctx.inputs;
  if (first === undefined || ctx.inputs.length < 2) refuse('it has fewer than two tensor inputs');
  if (ctx.inputs.some((v) => v.layout !== first.layout)) refuse('its inputs are held in different layouts');
  const rank = ctx.inputShapes[0]?.length ?? 0;
  const axis = tfAxis(first, configInt(ctx.config, 'axis', 1), rank);
  return apply(tf.layers.concatenate({ axis, name: ctx.layerName() }), ctx.inputs, first.layout);
};

/** [N, C, H, W] flattened to [N, C * H * W] in ONNX's order. */
function flattenImage(ctx: TfjsImportContext, x: ImportedValue): ImportedValue {
  const [, c, h, w] = ctx.inputShapes[0] ?? [];
  let source = x;
  if (h !== 1 || w !== 1) source = apply(tf.layers.permute({ dims: [3, 1, 2], name: ctx.layerName('chw') }), [x], 'plain');
  if (c === null || c === undefined) refuse('its input has an unknown channel count');
  return apply(tf.layers.flatten({ name: ctx.layerName() }), [source], 'plain');
}

export const importFlatten: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const rank = ctx.inputShapes[0]?.length ?? 0;
  if (normaliseAxis(configInt(ctx.config, 'axis', 1), rank) !== 1) refuse('it flattens from an axis other than 1');
  if (rank === 2 && x.layout === 'plain') return x;
  if (x.layout === 'image') return flattenImage(ctx, x);
  return apply(tf.layers.flatten({ name: ctx.layerName() }), [x], 'plain');
};

/** A reshape to [N, rest]: the flatten of a classifier head. */
export const importReshape: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const input = ctx.inputShapes[0] ?? [];
  const out = ctx.outputShape;
  const rest = input.slice(1).reduce<number>((n, d) => n * (d ?? NaN), 1);
  if (out.length !== 2 || out[1] !== rest) refuse(`it reshapes [${input.join(', ')}] to [${out.join(', ')}], which is not a flatten`);
  if (input.length === 2) return x;
  if (x.layout === 'image') return flattenImage(ctx, x);
  return apply(tf.layers.flatten({ name: ctx.layerName() }), [x], 'plain');
};

export const importTranspose: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const perm = (configInts(ctx.config, 'perm') ?? []).join(',');
  // The tensor TF.js holds is NHWC either way: only the ONNX axis order it stands for changes.
  if (x.layout === 'image' && perm === '0,2,3,1') return { tensor: x.tensor, layout: 'plain' };
  if (x.layout === 'plain' && x.tensor.shape.length === 4 && perm === '0,3,1,2') return { tensor: x.tensor, layout: 'image' };
  return refuse(`a transpose with perm [${perm}]`);
};

/** Squeeze or Unsqueeze of size-1 axes: [N, C, 1, 1] <-> [N, C] are the ones a classifier uses. */
export const importSqueeze: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const input = ctx.inputShapes[0] ?? [];
  const out = ctx.outputShape;
  if (x.layout === 'image' && out.length === 2 && input[2] === 1 && input[3] === 1) return apply(tf.layers.flatten({ name: ctx.layerName() }), [x], 'plain');
  if (x.layout === 'plain' && input.length === 2 && out.length === 4 && out[2] === 1 && out[3] === 1) {
    return apply(tf.layers.reshape({ targetShape: [1, 1, input[1] ?? -1], name: ctx.layerName() }), [x], 'image');
  }
  return refuse(`it changes [${input.join(', ')}] to [${out.join(', ')}]`);
};
