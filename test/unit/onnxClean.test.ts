/**
 * The clean-up on hand-made graphs: Identity and Dropout bypassed without renaming the
 * graph's outputs, Constant nodes turned into initializers, shape computations folded
 * (symbolic batch into Reshape's 0), dead nodes and initializers dropped; the cleaned graph
 * computes what the original computes on ONNX Runtime, and the input model is untouched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { cleanOnnxModel } from '../../src/core/onnx/cleanGraph';
import { tensorNumbers } from '../../src/core/onnx/tensorData';
import type { OnnxIrModel } from '../../src/core/onnx/types';
import { encodeOnnxModel } from '../../src/core/onnx/writeOnnx';
import { floatInit, handModel, intInit, maxRelativeDiff, node, runOrt, seededFloats } from './onnxFixtureUtil';

async function sameOutputs(a: OnnxIrModel, b: OnnxIrModel, shape: number[]): Promise<void> {
  const x = new ort.Tensor('float32', seededFloats(shape.reduce((p, q) => p * q, 1), 5), shape);
  const [ra, rb] = [await runOrt(encodeOnnxModel(a), { x }), await runOrt(encodeOnnxModel(b), { x })];
  assert.deepEqual(Object.keys(rb).sort(), Object.keys(ra).sort());
  for (const name of Object.keys(ra)) assert.ok(maxRelativeDiff((rb[name] as ort.Tensor).data as Float32Array, (ra[name] as ort.Tensor).data as Float32Array) === 0, name);
}

describe('ONNX graph clean-up', () => {
  it('bypasses Identity and inference Dropout, keeping the graph output names', async () => {
    const model = handModel({
      nodes: [
        node('Relu', ['x'], ['a']),
        node('Identity', ['a'], ['b']),
        node('Dropout', ['b', 'ratio'], ['c']),
        node('Sigmoid', ['c'], ['d']),
        node('Identity', ['d'], ['y']),
        node('Identity', ['x'], ['z']),
      ],
      initializers: [floatInit('ratio', [], [0.5])],
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: ['y', 'z'],
    });
    const { model: clean, report } = cleanOnnxModel(model);
    assert.deepEqual(clean.graph.nodes.map((n) => `${n.opType}:${n.inputs.join(',')}->${n.outputs.join(',')}`), ['Relu:x->a', 'Sigmoid:a->y', 'Identity:x->z']);
    assert.deepEqual(clean.graph.outputs.map((o) => o.name), ['y', 'z']);
    assert.equal(report.identitiesRemoved, 2);
    assert.equal(report.dropoutsRemoved, 1);
    assert.equal(report.initializersRemoved, 1, 'the dropout ratio is no longer read');
    await sameOutputs(model, clean, [2, 3]);
  });

  it('keeps a Dropout whose training_mode is on', () => {
    const model = handModel({
      nodes: [node('Dropout', ['x', '', 'train'], ['y'])],
      initializers: [{ name: 'train', dataType: 9, dims: [], data: new Uint8Array([1]) }],
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: ['y'],
    });
    assert.deepEqual(cleanOnnxModel(model).model.graph.nodes.map((n) => n.opType), ['Dropout']);
  });

  it('turns Constant nodes into initializers under their output names', async () => {
    const model = handModel({
      nodes: [
        node('Constant', [], ['six'], [{ name: 'value_float', kind: 'float', value: 6 }]),
        node('Constant', [], ['zero'], [{ name: 'value', kind: 'tensor', value: floatInit('', [], [0]) }]),
        node('Clip', ['x', 'zero', 'six'], ['y']),
      ],
      inputs: [{ name: 'x', shape: [4] }],
      outputs: ['y'],
    });
    const { model: clean, report } = cleanOnnxModel(model);
    assert.equal(report.constantsToInitializers, 2);
    assert.deepEqual(clean.graph.nodes.map((n) => n.opType), ['Clip']);
    assert.deepEqual(
      clean.graph.initializers.map((t) => [t.name, t.dims, tensorNumbers(t)]),
      [
        ['six', [], [6]],
        ['zero', [], [0]],
      ],
    );
    await sameOutputs(model, clean, [4]);
  });

  it('folds a dynamic-batch flatten (Shape, Gather, Unsqueeze, Concat) into Reshape [0, -1]', async () => {
    const model = handModel({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], [{ name: 'axis', kind: 'int', value: 0 }]),
        node('Unsqueeze', ['n', 'axes0'], ['n1']),
        node('Concat', ['n1', 'minus1'], ['target'], [{ name: 'axis', kind: 'int', value: 0 }]),
        node('Reshape', ['x', 'target'], ['y']),
      ],
      initializers: [intInit('zero', [0], []), intInit('axes0', [0]), intInit('minus1', [-1])],
      inputs: [{ name: 'x', shape: ['batch', 2, 3, 4] }],
      outputs: ['y'],
    });
    const { model: clean, report } = cleanOnnxModel(model);
    assert.equal(report.foldedNodes, 4);
    assert.deepEqual(clean.graph.nodes.map((n) => n.opType), ['Reshape']);
    const target = clean.graph.initializers.find((t) => t.name === clean.graph.nodes[0]?.inputs[1]);
    assert.ok(target);
    assert.deepEqual(tensorNumbers(target), [0, -1]);
    assert.equal(clean.graph.initializers.length, 1, 'the folded chain left no initializers behind');
    await sameOutputs(model, clean, [3, 2, 3, 4]);
  });

  it('folds a static shape computation (Shape, Slice, Mul, Cast) into a plain constant', async () => {
    const model = handModel({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Slice', ['s', 'one', 'big'], ['hw']),
        node('Mul', ['hw', 'two'], ['hw2']),
        node('Cast', ['hw2'], ['sizes'], [{ name: 'to', kind: 'int', value: 7 }]),
        node('Concat', ['s12', 'sizes'], ['full'], [{ name: 'axis', kind: 'int', value: 0 }]),
        node('Resize', ['x', '', '', 'full'], ['y']),
      ],
      initializers: [intInit('one', [2]), intInit('big', [2 ** 52]), intInit('two', [2]), intInit('s12', [1, 2])],
      inputs: [{ name: 'x', shape: [1, 2, 3, 4] }],
      outputs: ['y'],
    });
    const { model: clean } = cleanOnnxModel(model);
    assert.deepEqual(clean.graph.nodes.map((n) => n.opType), ['Resize']);
    const sizes = clean.graph.initializers.find((t) => t.name === 'full');
    assert.ok(sizes);
    assert.deepEqual(tensorNumbers(sizes), [1, 2, 6, 8]);
    await sameOutputs(model, clean, [1, 2, 3, 4]);
  });

  it('leaves the model it was given unchanged', () => {
    const model = handModel({
      nodes: [node('Identity', ['x'], ['a']), node('Relu', ['a'], ['y'])],
      inputs: [{ name: 'x', shape: [1] }],
      outputs: ['y'],
    });
    const before = JSON.stringify(model);
    cleanOnnxModel(model);
    assert.equal(JSON.stringify(model), before);
  });
});
