/**
 * What reading an ONNX file yields: PyTorch's own names (state_dict keys for initializers,
 * module paths for nodes), typed attributes, initializers as typed arrays with dims, the
 * symbolic batch, opsets and producer; external data found beside the model.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseOnnx, readOnnxFile } from '../../src/core/onnx/readOnnx';
import { attrInt, attrInts } from '../../src/core/onnx/nodeAttributes';
import { fixturePath } from './onnxFixtureUtil';

describe('reading ONNX', () => {
  it('keeps PyTorch names, typed attributes and initializer data', async () => {
    const model = await readOnnxFile(fixturePath('resnet_bn_kept'));
    assert.equal(model.producerName, 'pytorch');
    assert.match(model.producerVersion, /^1\.13/);
    assert.deepEqual(model.opsetImports, [{ domain: '', version: 13 }]);
    assert.deepEqual(model.graph.inputs, [{ name: 'input', elemType: 1, shape: [2, 3, 32, 32] }]);
    const names = model.graph.initializers.map((t) => t.name);
    for (const key of ['conv1.weight', 'layer1.0.conv1.weight', 'layer1.0.bn1.running_var', 'layer2.0.downsample.0.weight', 'fc.bias']) assert.ok(names.includes(key), key);
    const w = model.graph.initializers.find((t) => t.name === 'layer2.0.downsample.0.weight');
    assert.ok(w && w.data instanceof Float32Array);
    assert.deepEqual(w.dims, [16, 8, 1, 1]);
    assert.equal(w.data.length, 128);
    const conv = model.graph.nodes.find((n) => n.name === '/layer2/layer2.0/conv1/Conv');
    assert.ok(conv);
    assert.equal(attrInt(conv, 'group', 1), 1);
    assert.deepEqual(attrInts(conv, 'strides'), [2, 2]);
    assert.equal(model.graph.nodes.filter((n) => n.opType === 'BatchNormalization').length, 13);
  });

  it('reads initializers from an external data file beside the model', async () => {
    const model = await readOnnxFile(fixturePath('resnet_external'));
    const bytes = model.graph.initializers.reduce((s, t) => s + t.data.byteLength, 0);
    assert.equal(bytes, readFileSync(fixturePath('resnet_external') + '.data').length);
    assert.deepEqual(model.graph.inputs[0]?.shape, ['batch', 3, 32, 32]);
    // From bytes without a file name there is no folder to look in.
    await assert.rejects(parseOnnx(readFileSync(fixturePath('resnet_external')), undefined), /no folder was given/);
  });
});
