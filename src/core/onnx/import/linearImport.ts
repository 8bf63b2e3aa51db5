/**
 * Gemm and MatMul with a constant weight as a TF.js Dense layer: its kernel is [in, out],
 * Gemm's B with transB (PyTorch's Linear) is [out, in] and is transposed.
 */
import * as tf from '@tensorflow/tfjs';
import type { TfjsImporter } from '../../layers/onnx/importTypes';
import { configFloat, configInt } from '../../layers/onnx/config';
import { apply, floatWeight, onlyInput, permutedLink, refuse } from './importUtil';

export const importGemm: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  if (x.layout !== 'plain' || x.tensor.shape.length !== 2) refuse('its input is not a [N, features] matrix');
  if (configInt(ctx.config, 'transA', 0) !== 0 || configFloat(ctx.config, 'alpha', 1) !== 1 || configFloat(ctx.config, 'beta', 1) !== 1) refuse('transA, alpha or beta other than the defaults');
  const b = floatWeight(ctx, 'B');
  const transB = configInt(ctx.config, 'transB', 0) === 1;
  const units = (transB ? b.dims[0] : b.dims[1]) as number;
  const c = ctx.weight('C');
  if (c !== undefined && c.data.length !== units) refuse('a bias that is not one value per output');
  const name = ctx.layerName();
  ctx.link(permutedLink(name, 'kernel', b, transB ? [1, 0] : undefined));
  if (c !== undefined) ctx.link({ ...permutedLink(name, 'bias', c), toTfjs: (v) => v, toOnnx: (v) => v });
  return apply(tf.layers.dense({ units, useBias: c !== undefined, name }), [x], 'plain');
};

export const importMatMul: TfjsImporter = (ctx) => {
  const x = onlyInput(ctx);
  const b = floatWeight(ctx, 'B');
  if (x.layout !== 'plain' || x.tensor.shape.length !== 2 || b.dims.length !== 2) refuse('it is not a [N, features] matrix times a constant matrix');
  const name = ctx.layerName();
  ctx.link(permutedLink(name, 'kernel', b));
  return apply(tf.layers.dense({ units: b.dims[1] as number, useBias: false, name }), [x], 'plain');
};
