/**
 * Pooling: each channel pooled on its own, so channels pass through.
 */
import { windowAttributes } from '../eval/exportConv';
import type { LayerConverter } from '../eval/exportTypes';
import { configPair, isOnePixel, nchwImage } from '../eval/exportTypes';
import { intAttr } from '../eval/onnxGraph';
import { numelPerImage } from './macs';
import { passThrough } from './rules';
import type { LayerClass, MacsFacet } from './types';

function pool(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (g, call) => {
    const x = nchwImage(g, call);
    const kernel = configPair(call, 'poolSize', [2, 2]);
    const strides = configPair(call, 'strides', kernel);
    const attrs = windowAttributes(call, x, kernel, strides);
    // TF averages over the real pixels only, never the padding.
    if (op === 'AveragePool') attrs.push(intAttr('count_include_pad', 0));
    let source = x.name;
    if (op === 'MaxPool' && x.zeroPadded === x.name) {
      // ONNX Runtime would fold the zero Pad into MaxPool's own padding, which pools as if it
      // were minus infinity: wrong where a window's real values are all negative. A Max with
      // minus infinity (the identity) between the two is a node it does not fuse across.
      source = g.op('Max', [x.name, g.floatConst(`${call.layer.name}/no_pad_fusion`, [], [-Infinity])], `${call.layer.name}/keep_zero_pad`);
    }
    return { name: g.op(op, [source], call.layer.name, attrs), layout: 'nchw', shape: call.outputShape };
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (g, call) => {
    const x = nchwImage(g, call);
    // Pooling one pixel is the identity; skipping it spares ONNX Runtime a layout change
    // into and out of its blocked format (measured: 3% of MobileNetV1 at 28x28).
    const pooled = isOnePixel(x.shape) ? x.name : g.op(op, [x.name], call.layer.name);
    // ONNX keeps [N, C, 1, 1]; TF.js gives [N, C].
    return { name: g.op('Flatten', [pooled], call.layer.name, [intAttr('axis', 1)]), layout: 'plain', shape: call.outputShape };
  };
}

/** PaddleSlim counts a pooling window's reads: H_out * W_out * C * kh * kw. */
const WINDOW_MACS: MacsFacet = {
  counted: () => [],
  elementwise: (call) => {
    const poolSize = call.config['poolSize'];
    const [kh, kw] = Array.isArray(poolSize) ? poolSize.map(Number) : [Number(poolSize ?? 2), Number(poolSize ?? 2)];
    return numelPerImage(call.outputShape) * (kh ?? 1) * (kw ?? 1);
  },
};

/** A global pool reads every input element once. */
const GLOBAL_MACS: MacsFacet = { counted: () => [], elementwise: (call) => numelPerImage(call.inputShape) };

const POOLING = 'follows its input: each channel is pooled on its own';

export const MAX_POOLING2D: LayerClass = { className: 'MaxPooling2D', pruning: POOLING, channels: passThrough, weights: {}, macs: WINDOW_MACS, onnx: { convert: pool('MaxPool') } };
export const AVERAGE_POOLING2D: LayerClass = { className: 'AveragePooling2D', pruning: POOLING, channels: passThrough, weights: {}, macs: WINDOW_MACS, onnx: { convert: pool('AveragePool') } };
export const GLOBAL_AVERAGE_POOLING2D: LayerClass = {
  className: 'GlobalAveragePooling2D',
  pruning: POOLING,
  channels: passThrough,
  weights: {},
  macs: GLOBAL_MACS,
  onnx: { convert: globalPool('GlobalAveragePool') },
};
export const GLOBAL_MAX_POOLING2D: LayerClass = {
  className: 'GlobalMaxPooling2D',
  pruning: POOLING,
  channels: passThrough,
  weights: {},
  macs: GLOBAL_MACS,
  onnx: { convert: globalPool('GlobalMaxPool') },
};
