/**
 * Static shape inference on the corner cases of each op rule (auto_pad, ceil_mode, dilation,
 * groups, output_padding, axes given as inputs from opset 13 and 18, broadcasting, vector
 * MatMul), each compared with the shapes ONNX Runtime actually produces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { inferShapes } from '../../src/core/onnx/shapeInference';
import type { OnnxIrAttribute, OnnxIrNode, OnnxIrTensor } from '../../src/core/onnx/types';
import { defaultOpset } from '../../src/core/onnx/types';
import { PruneLensError } from '../../src/core/util/errors';
import { floatInit, handModel, intInit, node, ortValueShapes, seededFloats } from './onnxFixtureUtil';

const ints = (name: string, value: number[]): OnnxIrAttribute => ({ name, kind: 'ints', value });
const int = (name: string, value: number): OnnxIrAttribute => ({ name, kind: 'int', value });
const str = (name: string, value: string): OnnxIrAttribute => ({ name, kind: 'string', value });

/** Infers the shapes of a one-input graph and checks every node output against ONNX Runtime. */
async function matchesOrt(opts: { nodes: OnnxIrNode[]; initializers?: OnnxIrTensor[]; input: number[]; opset?: number; outputs?: string[] }): Promise<void> {
  const last = opts.nodes[opts.nodes.length - 1]?.outputs[0] as string;
  const model = handModel({ nodes: opts.nodes, initializers: opts.initializers, inputs: [{ name: 'x', shape: opts.input }], outputs: opts.outputs ?? [last], opset: opts.opset });
  const shapes = inferShapes(model.graph, { opset: defaultOpset(model) ?? 13 });
  const n = opts.input.reduce((a, b) => a * b, 1);
  const actual = await ortValueShapes(model, shapes, { x: new ort.Tensor('float32', seededFloats(n, 3), opts.input) });
  assert.ok(actual.size > 0);
  for (const [value, dims] of actual) assert.deepEqual(shapes.get(value)?.shape, dims, `shape of ${value}`);
}

describe('shape inference against ONNX Runtime', () => {
  it('Conv: pads, strides, dilations, groups, depthwise, auto_pad SAME_UPPER and VALID', async () => {
    await matchesOrt({
      input: [1, 4, 11, 9],
      initializers: [floatInit('w1', [6, 2, 3, 3]), floatInit('w2', [6, 1, 3, 3]), floatInit('w3', [5, 6, 2, 2]), floatInit('w4', [3, 5, 3, 3])],
      nodes: [
        node('Conv', ['x', 'w1'], ['a'], [int('group', 2), ints('pads', [1, 0, 2, 1]), ints('strides', [2, 1]), ints('dilations', [1, 2])]),
        node('Conv', ['a', 'w2'], ['b'], [int('group', 6), str('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])]),
        node('Conv', ['b', 'w3'], ['c'], [str('auto_pad', 'VALID')]),
        node('Conv', ['c', 'w4'], ['d'], [ints('pads', [1, 1, 1, 1])]),
      ],
    });
  });

  it('ConvTranspose: strides, output_padding, groups, and output_shape', async () => {
    await matchesOrt({
      input: [1, 4, 5, 6],
      initializers: [floatInit('w1', [4, 3, 3, 3]), floatInit('w2', [6, 2, 4, 4])],
      nodes: [
        node('ConvTranspose', ['x', 'w1'], ['a'], [int('group', 2), ints('strides', [2, 3]), ints('output_padding', [1, 2]), ints('pads', [1, 0, 1, 1])]),
        node('ConvTranspose', ['a', 'w2'], ['b'], [ints('strides', [2, 2]), ints('output_shape', [21, 40])]),
      ],
    });
  });

  it('pools: ceil_mode (including a last window in the padding), dilations, count_include_pad, global', async () => {
    await matchesOrt({
      input: [1, 2, 12, 11],
      nodes: [
        node('MaxPool', ['x'], ['a'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), ints('pads', [0, 0, 1, 1]), int('ceil_mode', 1)]),
        node('AveragePool', ['a'], ['b'], [ints('kernel_shape', [3, 2]), ints('strides', [2, 2]), int('ceil_mode', 1), int('count_include_pad', 1)]),
        node('MaxPool', ['x'], ['c'], [ints('kernel_shape', [3, 3]), ints('dilations', [2, 1]), str('auto_pad', 'SAME_LOWER'), ints('strides', [3, 2])]),
        node('GlobalAveragePool', ['c'], ['d']),
      ],
      outputs: ['b', 'd'],
    });
  });

  it('Pad (opset 13 and axes at 18) and Resize by scales and by sizes', async () => {
    await matchesOrt({
      input: [1, 2, 5, 7],
      initializers: [intInit('pads', [0, 0, 1, 2, 0, 0, 3, 0]), floatInit('scales', [4], [1, 1, 2, 1.5]), intInit('sizes', [1, 2, 9, 4])],
      nodes: [node('Pad', ['x', 'pads'], ['a']), node('Resize', ['a', '', 'scales'], ['b']), node('Resize', ['b', '', '', 'sizes'], ['c'])],
    });
    await matchesOrt({
      input: [1, 2, 5, 7],
      opset: 18,
      initializers: [intInit('pads', [1, 2, 0, 3]), intInit('axes', [-1, 2])],
      nodes: [node('Pad', ['x', 'pads', '', 'axes'], ['a'])],
    });
  });

  it('Flatten, Reshape with 0 and -1, Transpose, Squeeze and Unsqueeze (axes inputs)', async () => {
    await matchesOrt({
      input: [2, 3, 1, 4],
      initializers: [intInit('shape', [0, -1, 2]), intInit('uaxes', [-1, 1]), intInit('saxes', [1])],
      nodes: [
        node('Flatten', ['x'], ['f0'], [int('axis', 0)]),
        node('Flatten', ['x'], ['f2'], [int('axis', -1)]),
        node('Reshape', ['x', 'shape'], ['r']),
        node('Transpose', ['r'], ['t']),
        node('Squeeze', ['x'], ['s']),
        node('Unsqueeze', ['s', 'uaxes'], ['u']),
        node('Squeeze', ['u', 'saxes'], ['v']),
      ],
      outputs: ['f0', 'f2', 't', 'v'],
    });
  });

  it('Gemm with transposes, MatMul with vectors and batch broadcasting, Concat, ReduceMean at 13 and 18', async () => {
    await matchesOrt({
      input: [2, 3, 4],
      initializers: [floatInit('m', [5, 4, 6]), floatInit('v', [4]), floatInit('a', [6, 3]), floatInit('b', [7, 6]), intInit('shape', [3, 8]), intInit('one', [1])],
      nodes: [
        node('MatMul', ['x', 'v'], ['mv']),
        node('Unsqueeze', ['x', 'one'], ['x1']),
        node('MatMul', ['x1', 'm'], ['mm']),
        node('Reshape', ['x', 'shape'], ['x2']),
        node('Gemm', ['x2', 'a'], ['g0'], [int('transA', 1), int('transB', 1)]),
        node('Gemm', ['g0', 'b'], ['g'], [int('transB', 1)]),
        node('Concat', ['mm', 'mm'], ['cat'], [int('axis', -1)]),
        node('ReduceMean', ['cat'], ['rm'], [ints('axes', [1, -1]), int('keepdims', 0)]),
        node('ReduceMean', ['cat'], ['all']),
        node('Softmax', ['rm'], ['sm'], [int('axis', -1)]),
      ],
      outputs: ['mv', 'g', 'sm', 'all'],
    });
  });

  it('ReduceMean with axes as an input (opset 18) and numpy broadcasting', async () => {
    await matchesOrt({
      input: [2, 1, 4],
      opset: 18,
      initializers: [floatInit('b', [3, 1]), intInit('axes', [0])],
      nodes: [node('Add', ['x', 'b'], ['s']), node('Mul', ['s', 's'], ['m']), node('ReduceMean', ['m', 'axes'], ['r'], [int('keepdims', 1)])],
    });
  });

  it('keeps a symbolic batch and refuses shapes that cannot fit', () => {
    const model = handModel({
      nodes: [node('Conv', ['x', 'w'], ['y'], [ints('pads', [1, 1, 1, 1])])],
      initializers: [floatInit('w', [8, 3, 3, 3])],
      inputs: [{ name: 'x', shape: ['N', 3, 16, 16] }],
      outputs: ['y'],
    });
    assert.deepEqual(inferShapes(model.graph, { opset: 13 }).get('y')?.shape, ['N', 8, 16, 16]);
    const wrong = { ...model.graph, inputs: [{ name: 'x', elemType: 1, shape: ['N', 4, 16, 16] }] };
    assert.throws(() => inferShapes(wrong, { opset: 13, file: 'm.onnx' }), (e: unknown) => {
      assert.ok(e instanceof PruneLensError);
      assert.match(e.message, /^m\.onnx: Conv node "y": input has 4 channels but the weight expects 3 x group 1/);
      return true;
    });
  });
});
