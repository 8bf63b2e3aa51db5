/**
 * Pad and Resize as TF.js layers, where TF.js computes the same: zero padding of the height
 * and width (ZeroPadding2D), and nearest upsampling by whole factors with the asymmetric,
 * floor rounding PyTorch exports (UpSampling2D).
 */
import * as tf from '@tensorflow/tfjs';
import type { TfjsImporter } from '../../layers/onnx/importTypes';
import { configFloat, configInts, configString } from '../../layers/onnx/config';
import { apply, imageInput, refuse, zeroPad } from './importUtil';

export const importPad: TfjsImporter = (ctx) => {
  const x = imageInput(ctx);
  if (configString(ctx.config, 'mode', 'constant') !== 'constant' || configFloat(ctx.config, 'constant_value', 0) !== 0) refuse('padding other than with zeros');
  if (configInts(ctx.config, 'axes') !== undefined) refuse('padding given per axis');
  const pads = configInts(ctx.config, 'pads') ?? [];
  const [n0, c0, t, l, n1, c1, b, r] = pads;
  if (pads.length !== 8 || n0 !== 0 || c0 !== 0 || n1 !== 0 || c1 !== 0) refuse('padding of the batch or channel axis');
  return zeroPad(ctx, x, [t ?? 0, l ?? 0, b ?? 0, r ?? 0]);
};

export const importResize: TfjsImporter = (ctx) => {
  const x = imageInput(ctx);
  const mode = configString(ctx.config, 'mode', 'nearest');
  const coords = configString(ctx.config, 'coordinate_transformation_mode', 'half_pixel');
  const rounding = configString(ctx.config, 'nearest_mode', 'round_prefer_floor');
  if (mode !== 'nearest' || coords !== 'asymmetric' || rounding !== 'floor') refuse(`${mode} resizing with ${coords} coordinates (only PyTorch's nearest upsampling is imported)`);
  const [, c, h, w] = ctx.inputShapes[0] ?? [];
  const [, , oh, ow] = ctx.outputShape;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof oh !== 'number' || typeof ow !== 'number' || oh % h !== 0 || ow % w !== 0 || c === undefined) refuse('a resize by other than whole factors');
  return apply(tf.layers.upSampling2d({ size: [oh / h, ow / w], interpolation: 'nearest', name: ctx.layerName() }), [x], 'image');
};
