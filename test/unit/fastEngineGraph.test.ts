/**
 * The graph passes of the fast engine on a small hand-built graph with a skip connection:
 * masks are multiplied in where asked, the cut holds the masked tensor and the skip branch,
 * an upstream part stops at values already at hand, and upstream + downstream compute what
 * the whole masked graph computes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOnnxGraph } from '../../src/core/eval/onnxGraph';
import { OnnxDataType, type OnnxGraph, type OnnxValueInfo } from '../../src/core/eval/onnxProto';
import { createOrtSession, loadOnnxRuntime } from '../../src/core/eval/ortSession';
import { cutValues, dependentValues, extractSubgraph, insertMasks } from '../../src/core/fast/graphSurgery';

const info = (name: string, shape: (number | string)[] = ['N', 4]): OnnxValueInfo => ({ name, elemType: OnnxDataType.FLOAT, shape });

/** x -> a = Relu(x + 1) -> b = Relu(a * w) -> c = b + a -> out = Identity(c). */
function skipGraph(): OnnxGraph {
  const node = (opType: string, inputs: string[], output: string) => ({ opType, inputs, outputs: [output], name: `${output}/${opType}` });
  return {
    name: 'skip',
    nodes: [node('Add', ['x', 'one'], 'xa'), node('Relu', ['xa'], 'a'), node('Mul', ['a', 'w'], 'aw'), node('Relu', ['aw'], 'b'), node('Add', ['b', 'a'], 'c'), node('Identity', ['c'], 'out')],
    initializers: [
      { name: 'one', dims: [1], dataType: OnnxDataType.FLOAT, data: Float32Array.of(1) },
      { name: 'w', dims: [4], dataType: OnnxDataType.FLOAT, data: Float32Array.of(0.5, -1, 2, 3) },
    ],
    inputs: [info('x')],
    outputs: [info('out')],
  };
}

describe('fast engine graph passes', () => {
  const masked = insertMasks(skipGraph(), [{ value: 'b', input: 'mask_b', shape: [1, 4] }]);

  it('multiplies the mask in right after the masked value and rewires its consumers', () => {
    const ops = masked.nodes.map((n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`);
    assert.deepEqual(ops, ['Add(x,one)->xa', 'Relu(xa)->a', 'Mul(a,w)->aw', 'Relu(aw)->b', 'Mul(b,mask_b)->b/masked', 'Add(b/masked,a)->c', 'Identity(c)->out']);
    assert.deepEqual(masked.inputs.map((i) => [i.name, i.shape]), [['x', ['N', 4]], ['mask_b', [1, 4]]]);
  });

  it('finds what depends on the mask and the cut: the masked tensor and the skip branch', () => {
    assert.deepEqual([...dependentValues(masked, ['mask_b'])], ['mask_b', 'b/masked', 'c', 'out']);
    assert.deepEqual(cutValues(masked, ['mask_b']), ['b', 'a']);
  });

  it('extracts the smallest subgraph and stops at values at hand', () => {
    const fromImages = extractSubgraph(masked, 'up', [info('x')], [info('a'), info('b')]);
    assert.deepEqual(fromImages.nodes.map((n) => n.outputs[0]), ['xa', 'a', 'aw', 'b']);
    assert.deepEqual(fromImages.initializers.map((t) => t.name).sort(), ['one', 'w']);
    const fromCache = extractSubgraph(masked, 'up', [info('x'), info('a')], [info('b')]);
    assert.deepEqual(fromCache.nodes.map((n) => n.outputs[0]), ['aw', 'b']);
    assert.deepEqual(fromCache.inputs.map((i) => i.name), ['a'], 'x is not needed, so not declared');
    assert.throws(() => extractSubgraph(masked, 'down', [info('a')], [info('out')]), /is needed for down but is neither given nor computed/);
  });

  it('upstream + downstream compute what the whole masked graph computes', async () => {
    const ort = await loadOnnxRuntime();
    const x = new ort.Tensor('float32', Float32Array.of(-2, 0.5, 1, 3, 0, -1, 4, -0.5), [2, 4]);
    const mask = new ort.Tensor('float32', Float32Array.of(1, 0, 1, 0), [1, 4]);
    const whole = await createOrtSession(encodeOnnxGraph(masked));
    const up = await createOrtSession(encodeOnnxGraph(extractSubgraph(masked, 'up', [info('x')], [info('a'), info('b')])));
    const down = await createOrtSession(encodeOnnxGraph(extractSubgraph(masked, 'down', [info('a'), info('b'), info('mask_b', [1, 4])], [info('out')])));
    try {
      const expected = (await whole.run({ x, mask_b: mask }))['out']?.data;
      const cut = await up.run({ x });
      const [a, b] = [cut['a'], cut['b']];
      assert.ok(a !== undefined && b !== undefined);
      const got = (await down.run({ a, b, mask_b: mask }))['out']?.data;
      assert.deepEqual(Array.from(got as Float32Array), Array.from(expected as Float32Array));
      // (x + 1) -> relu -> a; b = relu(a * w) masked; out = b + a.
      assert.deepEqual(Array.from(expected as Float32Array), [0, 1.5, 6, 4, 1.5, 0, 15, 0.5]);
    } finally {
      for (const s of [whole, up, down]) await s.release();
    }
  });
});
