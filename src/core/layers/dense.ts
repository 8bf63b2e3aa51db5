/**
 * Dense: creates its own channels (units). After a Flatten each of its input rows belongs to
 * one channel at one position; the dependency graph tracks that (Flatten's rule).
 */
import { applyActivation, fusedActivation } from '../eval/exportActivations';
import type { ExportValue, LayerConverter } from '../eval/exportTypes';
import { isOnePixel, layerWeights, requireWeight, singleInput, unsupported } from '../eval/exportTypes';
import { intAttr } from '../eval/onnxGraph';
import { dim, elementCount, fusedActivationMacs, numelPerImage } from './macs';
import { createsChannels } from './rules';
import type { LayerClass, MacsCall, MacsTerm } from './types';

/** in * out at each position it is applied at; its bias costs no MACs but is pruned with the outputs. */
function denseMacs(call: MacsCall): MacsTerm[] {
  const k = call.weights.get('kernel');
  const positions = numelPerImage(call.outputShape) / dim(call.outputShape, -1);
  const terms: MacsTerm[] = [{ macs: positions * dim(k, 0) * dim(k, 1), params: elementCount(k), scaledBy: [{ weight: 'kernel', axis: 0 }, { weight: 'kernel', axis: 1 }] }];
  const bias = call.weights.get('bias');
  if (bias !== undefined) terms.push({ macs: 0, params: elementCount(bias), scaledBy: [{ weight: 'kernel', axis: 1 }] });
  return terms;
}

/**
 * Gemm over [N, in]. A Dense on a one-pixel map ([N, 1, 1, in], as squeeze-and-excite
 * blocks apply it after a Reshape) runs on the flattened rows and gives the map back.
 */
const convertDense: LayerConverter = (g, call) => {
  const x = singleInput(call);
  if (x.shape.length === 4 && isOnePixel(x.shape)) {
    const rows = g.op('Flatten', [x.name], `${call.layer.name}/rows`, [intAttr('axis', 1)]);
    const units = call.outputShape.at(-1) as number;
    const flat = convertDense(g, { ...call, inputs: [{ name: rows, layout: 'plain', shape: [null, x.shape.at(-1) ?? null] }], outputShape: [null, units] });
    const shape = g.int64Const(`${call.layer.name}/map_shape`, [4], [0, units, 1, 1]);
    return { name: g.op('Reshape', [flat.name, shape], `${call.layer.name}/map`), layout: 'nchw', shape: call.outputShape };
  }
  if (x.shape.length !== 2) throw unsupported(call, `Dense on a rank-${x.shape.length} input (add a Flatten before it)`);
  const weights = layerWeights(call.layer);
  const k = requireWeight(call, weights, 'kernel');
  const name = call.layer.name;
  // Gemm computes x @ B + C with B as [in, out], which is TF.js's kernel layout as is.
  const inputs = [x.name, g.floatConst(`${name}/W`, k.shape, k.data)];
  const bias = weights.get('bias');
  if (bias) inputs.push(g.floatConst(`${name}/B`, bias.shape, bias.data));
  const out: ExportValue = { name: g.op('Gemm', inputs, name), layout: 'plain', shape: call.outputShape };
  return applyActivation(g, call, out, fusedActivation(call));
};

export const DENSE: LayerClass = {
  className: 'Dense',
  pruning: 'creates channels (its units), and drops the input rows of the channels pruned before it',
  channels: createsChannels(0, 1),
  weights: {
    kernel: { suffix: '_weights', outChannels: (s) => s[1] },
    bias: { suffix: '_offset' },
  },
  width: 'units',
  macs: { counted: denseMacs, elementwise: fusedActivationMacs },
  onnx: { convert: convertDense },
};
