/**
 * Add, Sub, Mul and Div as TF.js layers: of two tensors with TF.js's Add and Multiply
 * (which broadcast) or a function layer; of a tensor and a constant with a layer that holds
 * the constant, laid out as the tensor is held (an NCHW constant [C, 1, 1] becomes
 * [1, 1, 1, C] against an NHWC image).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImportedValue, TfjsImporter } from '../../layers/onnx/importTypes';
import type { OnnxIrTensor } from '../types';
import { broadcastShape, ConstantOperandLayer, FunctionLayer } from './customLayers';
import { apply, permute, refuse } from './importUtil';

const OPS: Readonly<Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>> = { Add: tf.add, Sub: tf.sub, Mul: tf.mul, Div: tf.div };

/** A constant as the TF.js tensor it meets: numpy-aligned to the tensor's rank, NCHW moved to NHWC. */
function constantFor(t: OnnxIrTensor, x: ImportedValue, rank: number): tf.Tensor {
  if (!(t.data instanceof Float32Array)) refuse('its constant operand is not float32');
  if (t.dims.length > rank) refuse('its constant operand has more axes than the tensor');
  const dims = [...new Array<number>(rank - t.dims.length).fill(1), ...t.dims];
  if (x.layout !== 'image') return tf.tensor(t.data, dims);
  const perm = [0, 2, 3, 1];
  return tf.tensor(permute(t.data, dims, perm), perm.map((p) => dims[p] as number));
}

export const importArithmetic: TfjsImporter = (ctx) => {
  const op = OPS[ctx.opType];
  if (op === undefined) refuse(`no TF.js form for ${ctx.opType}`);
  const [a, b] = ctx.inputs;
  if (a === undefined) refuse('it has no tensor input');
  const name = ctx.layerName();
  if (b !== undefined) {
    if (a.layout !== b.layout || a.tensor.shape.length !== b.tensor.shape.length) refuse('its operands are held in different layouts');
    if (ctx.opType === 'Add') return apply(tf.layers.add({ name }), [a, b], a.layout);
    if (ctx.opType === 'Mul') return apply(tf.layers.multiply({ name }), [a, b], a.layout);
    return apply(new FunctionLayer(name, ([p, q]) => op(p as tf.Tensor, q as tf.Tensor), broadcastShape), [a, b], a.layout);
  }
  const first = ctx.weight('A');
  const constant = first ?? ctx.weight('B');
  if (constant === undefined) refuse('its second operand is neither a tensor nor a constant');
  const value = constantFor(constant, a, a.tensor.shape.length);
  return apply(new ConstantOperandLayer(name, value, first !== undefined, op), [a], a.layout);
};
