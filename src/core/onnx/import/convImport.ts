/**
 * Conv as TF.js layers: explicit padding becomes a ZeroPadding2D before a 'valid' conv (so
 * PyTorch's symmetric padding of a stride-2 conv stays exact, where TF.js 'same' pads the
 * end only); one group is a Conv2D (OIHW -> HWIO), one input channel per group a
 * DepthwiseConv2D ([C*M, 1, kh, kw] -> [kh, kw, C, M]), other groups a grouped conv layer.
 */
import * as tf from '@tensorflow/tfjs';
import type { TfjsImporter } from '../../layers/onnx/importTypes';
import { GroupedConv2DLayer } from './customLayers';
import { apply, explicitPads, floatWeight, groupsOf, imageInput, pair, permutedLink, refuse, zeroPad } from './importUtil';

/** OIHW -> HWIO. */
const OIHW_TO_HWIO = [2, 3, 1, 0];

export const importConv: TfjsImporter = (ctx) => {
  const x = imageInput(ctx);
  const w = floatWeight(ctx, 'W');
  const bias = ctx.weight('B');
  const [cout, inPerGroup, kh, kw] = w.dims as [number, number, number, number];
  const groups = groupsOf(ctx);
  const kernel: [number, number] = [kh, kw];
  const strides = pair(ctx, 'strides', 1);
  const dilations = pair(ctx, 'dilations', 1);
  if (dilations.some((d) => d > 1) && strides.some((s) => s > 1)) refuse('dilation and stride above 1 together (TF.js convolutions take one or the other)');
  const padded = zeroPad(ctx, x, explicitPads(ctx, ctx.inputShapes[0] ?? [], kernel, strides, dilations));
  const name = ctx.layerName();
  const cin = inPerGroup * groups;
  const common = { kernelSize: kernel, strides, dilationRate: dilations, padding: 'valid' as const, useBias: bias !== undefined, name };
  const depthwise = groups > 1 && inPerGroup === 1 && groups === cin;
  // [C*M, 1, kh, kw] -> [kh, kw, 1, C*M] is TF.js's [kh, kw, C, M] in memory: output c*M + m reads input c in both.
  ctx.link(permutedLink(name, depthwise ? 'depthwise_kernel' : 'kernel', w, OIHW_TO_HWIO));
  if (bias !== undefined) ctx.link(permutedLink(name, 'bias', bias));
  if (groups === 1) return apply(tf.layers.conv2d({ ...common, filters: cout }), [padded], 'image');
  if (depthwise) return apply(tf.layers.depthwiseConv2d({ ...common, depthMultiplier: cout / cin }), [padded], 'image');
  return apply(new GroupedConv2DLayer(name, { kernelShape: [kh, kw, inPerGroup, cout], groups, strides, dilations, useBias: bias !== undefined }), [padded], 'image');
};
