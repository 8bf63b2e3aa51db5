/**
 * Conv2DTranspose: creates its own channels (its filters); its kernel is [kh, kw, out, in],
 * so the channels it reads are axis 3 and the ones it makes axis 2.
 */
import type { LayerConverter } from '../eval/exportTypes';
import { configPair, configString, layerWeights, nchwImage, requireWeight, unsupported } from '../eval/exportTypes';
import { applyActivation, fusedActivation } from '../eval/exportActivations';
import { intsAttr } from '../eval/onnxGraph';
import { dim, elementCount, fusedActivationMacs, numelPerImage, spatialAndChannels } from './macs';
import { createsChannels } from './rules';
import type { LayerClass, MacsCall, MacsTerm } from './types';

/** Every input pixel meets the whole kernel: H_in * W_in * C_in * C_out * kh * kw, plus the bias per output value. */
function transposeMacs(call: MacsCall): MacsTerm[] {
  const k = call.weights.get('kernel');
  const inputPositions = numelPerImage(call.inputShape) / dim(call.inputShape, -1);
  const terms: MacsTerm[] = [
    { macs: inputPositions * dim(k, 3) * dim(k, 2) * dim(k, 0) * dim(k, 1), params: elementCount(k), scaledBy: [{ weight: 'kernel', axis: 3 }, { weight: 'kernel', axis: 2 }] },
  ];
  const bias = call.weights.get('bias');
  if (bias !== undefined) {
    const { positions, channels } = spatialAndChannels(call);
    terms.push({ macs: positions * channels, params: elementCount(bias), scaledBy: [{ weight: 'kernel', axis: 2 }] });
  }
  return terms;
}

/**
 * TF's transposed 'same' convolution is the gradient of a forward 'same' convolution: it
 * crops what that convolution padded, floor(total / 2) before and the rest after, with
 * total = max(k - s, 0); when the kernel is shorter than the stride the output is padded
 * at the end to in * s.
 */
function transposePads(padding: string, kernel: number, stride: number): { begin: number; end: number; extra: number } {
  if (padding === 'valid') return { begin: 0, end: 0, extra: 0 };
  const total = Math.max(kernel - stride, 0);
  const begin = Math.floor(total / 2);
  return { begin, end: total - begin, extra: Math.max(stride - kernel, 0) };
}

const convertConv2DTranspose: LayerConverter = (g, call) => {
  const x = nchwImage(g, call);
  const [dh, dw] = configPair(call, 'dilationRate', [1, 1]);
  if (dh !== 1 || dw !== 1) throw unsupported(call, 'a dilated transposed convolution');
  const padding = configString(call, 'padding', 'valid');
  if (padding !== 'same' && padding !== 'valid') throw unsupported(call, `padding "${padding}"`);
  const weights = layerWeights(call.layer);
  const k = requireWeight(call, weights, 'kernel');
  const [kh, kw, cout, cin] = k.shape as [number, number, number, number];
  const [sh, sw] = configPair(call, 'strides', [1, 1]);
  // TF.js [kh, kw, out, in]; ONNX ConvTranspose wants [in, out, kh, kw].
  const w = new Float32Array(k.data.length);
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) w[((i * cout + o) * kh + y) * kw + xx] = k.data[((y * kw + xx) * cout + o) * cin + i] as number;
  const ph = transposePads(padding, kh, sh);
  const pw = transposePads(padding, kw, sw);
  const name = call.layer.name;
  const inputs = [x.name, g.floatConst(`${name}/W`, [cin, cout, kh, kw], w)];
  const bias = weights.get('bias');
  if (bias) inputs.push(g.floatConst(`${name}/B`, [cout], bias.data));
  const attrs = [
    intsAttr('kernel_shape', [kh, kw]),
    intsAttr('strides', [sh, sw]),
    intsAttr('pads', [ph.begin, pw.begin, ph.end, pw.end]),
    intsAttr('output_padding', [ph.extra, pw.extra]),
  ];
  const out = { name: g.op('ConvTranspose', inputs, name, attrs), layout: 'nchw' as const, shape: call.outputShape };
  return applyActivation(g, call, out, fusedActivation(call));
};

export const CONV2D_TRANSPOSE: LayerClass = {
  className: 'Conv2DTranspose',
  pruning: 'creates channels: its filters are pruned (kernel axis 2), and it drops the input channels pruned before it (axis 3)',
  channels: createsChannels(3, 2),
  weights: {
    kernel: { suffix: '_weights', analysable: true, outChannels: (s) => s[2] },
    bias: { suffix: '_offset' },
  },
  width: 'filters',
  macs: { counted: transposeMacs, elementwise: fusedActivationMacs },
  onnx: { convert: convertConv2DTranspose },
};
