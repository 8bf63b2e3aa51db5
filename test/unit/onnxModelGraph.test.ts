/**
 * The dependency graph of ONNX models through the ONNX op registry: the channel groups of
 * the PyTorch fixtures (residual Adds, depthwise and grouped convs, squeeze-and-excitation
 * gates, Fire concatenations, ConvTranspose, Transpose and MatMul), parameters named by
 * the user's state_dict keys (and derived from node names for BN-folded convs), and a
 * weight shared by two convs, sliced once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modulePath } from '../../src/core/graph/fromOnnx';
import { onnxOpClass } from '../../src/core/layers/onnx/registry';
import { openOnnxModel, onnxModel, type OnnxModelHandle } from '../../src/core/onnx/onnxModel';
import { planPruning } from '../../src/core/pruning/plan';
import { prepareOnnxModel } from '../../src/core/onnx/loadOnnx';
import { FIXTURES, fixturePath, floatInit, handModel, maxRelativeDiff, node, seededFloats } from './onnxFixtureUtil';
import { logitsOf } from './onnxModelUtil';

const open = (name: string): Promise<OnnxModelHandle> => openOnnxModel(fixturePath(name));

function groupOf(model: OnnxModelHandle, param: string): { params: readonly string[]; channels: number; prunable: boolean } {
  return model.dependencyGraph().groupForParam(param);
}

describe('ONNX channel groups', () => {
  it('couple the convs of a residual stage and keep the first conv of each block on its own', async () => {
    const resnet = await open('resnet_blocks');
    assert.deepEqual(groupOf(resnet, 'conv1.weight').params, ['conv1.weight', 'layer1.0.conv2.weight', 'layer1.1.conv2.weight']);
    assert.deepEqual(groupOf(resnet, 'layer2.0.conv2.weight').params, ['layer2.0.conv2.weight', 'layer2.0.downsample.0.weight', 'layer2.1.conv2.weight']);
    assert.deepEqual(groupOf(resnet, 'layer1.0.conv1.weight').params, ['layer1.0.conv1.weight']);
    const fc = resnet.dependencyGraph().groupForParam('fc.weight');
    assert.equal(fc.prunable, false);
  });

  it('with BatchNormalization kept, couple its four weights with the conv before it', async () => {
    const kept = await open('resnet_bn_kept');
    const group = kept.dependencyGraph().groupForParam('layer1.0.conv1.weight');
    const members = new Set(group.members.map((m) => m.param));
    for (const w of ['weight', 'bias', 'running_mean', 'running_var']) assert.ok(members.has(`layer1.0.bn1.${w}`), w);
    assert.equal(kept.dependencyGraph().groupForParam('layer1.0.bn1.weight').id, group.id);
  });

  it('run depthwise convs through their producer, and couple a squeeze-and-excitation gate with what it scales', async () => {
    const v2 = await open('mobilenetv2_blocks');
    assert.deepEqual(groupOf(v2, 'features.2.conv.0.0.weight').params, ['features.2.conv.0.0.weight', 'features.2.conv.1.0.weight']);
    const v3 = await open('mobilenetv3_se');
    assert.deepEqual(groupOf(v3, 'features.3.block.0.0.weight').params, ['features.3.block.0.0.weight', 'features.3.block.1.0.weight', 'features.3.block.2.fc2.weight']);
    assert.equal(groupOf(v3, 'features.3.block.2.fc1.weight').channels, 16);
  });

  it('lay concatenated branches side by side, and prune a grouped conv a group at a time', async () => {
    const squeeze = await open('squeezenet_concat');
    assert.deepEqual(groupOf(squeeze, 'features.3.expand1x1.weight').params, ['features.3.expand1x1.weight']);
    assert.deepEqual(groupOf(squeeze, 'features.3.expand3x3.weight').params, ['features.3.expand3x3.weight']);
    const plain = await open('plain_cnn');
    // conv3 has 2 groups: conv2's 16 filters go 8 at a time, with conv3's filters of that group.
    const grouped = groupOf(plain, 'conv2.weight');
    assert.deepEqual(grouped.params, ['conv2.weight', 'conv3.weight']);
    assert.equal(grouped.channels, 2);
    const mix = await open('ops_mix');
    assert.deepEqual(groupOf(mix, 'conv1.weight').params, ['conv1.weight', 'up.weight']);
    assert.deepEqual(groupOf(mix, 'conv2.weight').params, ['conv2.weight', 'conv3.weight'], 'coupled by the Sub');
    assert.equal(groupOf(mix, 'proj').channels, 16, 'a MatMul after a Transpose projects the channels');
  });

  it('name parameters by the state_dict keys, and BN-folded convs by their module path', async () => {
    const folded = await open('resnet_blocks');
    const names = folded.params().map((p) => p.name);
    assert.ok(names.includes('layer2.0.downsample.0.weight'));
    assert.ok(names.every((n) => !n.startsWith('onnx::')));
    const param = folded.params().find((p) => p.name === 'layer1.0.conv1.weight');
    assert.match(param?.variablePath ?? '', /^onnx::Conv_\d+$/, 'the initializer keeps its name in the file');
    assert.equal(param?.analysable, true);
    assert.deepEqual(param?.shape, [8, 8, 3, 3]);
  });

  it("derive from a node's name the module path PyTorch gives the weight's state_dict key", async () => {
    assert.equal(modulePath('/features/features.1/block/block.0/block.0.0/Conv'), 'features.1.block.0.0');
    assert.equal(modulePath('/layer1/layer1.0/conv1/Conv'), 'layer1.0.conv1');
    assert.equal(modulePath('Conv_3'), undefined);
    // Wherever the exporter kept the real key, the derivation gives that key.
    let checked = 0;
    for (const name of FIXTURES) {
      const { model } = prepareOnnxModel((await open(name)).onnx);
      for (const n of model.graph.nodes) {
        for (const facet of Object.values(onnxOpClass(n.opType)?.weights ?? {})) {
          const init = n.inputs[facet.input];
          // A bare nn.Parameter used in forward() (ops_mix's proj) has no module of its own.
          if (init === undefined || init.startsWith('onnx::') || facet.stateDict === undefined || modulePath(n.name) === undefined) continue;
          if (!model.graph.initializers.some((t) => t.name === init)) continue;
          assert.equal(`${modulePath(n.name)}.${facet.stateDict}`, init, `${n.name}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 50, `${checked} weights checked`);
  });
});

describe('an initializer read by two convs', () => {
  // Two branches with one shared conv weight, joined by a Concat and read by a 1x1 conv.
  const shared = handModel({
    nodes: [
      node('Conv', ['x', 'stem.weight'], ['s'], [{ name: 'kernel_shape', kind: 'ints', value: [1, 1] }], 'stem'),
      node('Relu', ['s'], ['r']),
      node('Conv', ['r', 'shared.weight', 'shared.bias'], ['a'], [{ name: 'kernel_shape', kind: 'ints', value: [3, 3] }, { name: 'pads', kind: 'ints', value: [1, 1, 1, 1] }], 'left'),
      node('MaxPool', ['r'], ['p'], [{ name: 'kernel_shape', kind: 'ints', value: [1, 1] }]),
      node('Conv', ['p', 'shared.weight', 'shared.bias'], ['b'], [{ name: 'kernel_shape', kind: 'ints', value: [3, 3] }, { name: 'pads', kind: 'ints', value: [1, 1, 1, 1] }], 'right'),
      node('Concat', ['a', 'b'], ['c'], [{ name: 'axis', kind: 'int', value: 1 }]),
      node('Relu', ['c'], ['d']),
      node('GlobalAveragePool', ['d'], ['g']),
      node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['logits'], [{ name: 'transB', kind: 'int', value: 1 }], 'fc'),
    ],
    initializers: [floatInit('stem.weight', [6, 3, 1, 1]), floatInit('shared.weight', [5, 6, 3, 3]), floatInit('shared.bias', [5]), floatInit('fc.weight', [4, 10]), floatInit('fc.bias', [4])],
    inputs: [{ name: 'x', shape: ['N', 3, 8, 8] }],
    outputs: ['logits'],
  });

  it('makes the two readers one group, slices the weight once, and the pruned model computes the masked one', async () => {
    const model = onnxModel(prepareOnnxModel(shared).model);
    const graph = model.dependencyGraph();
    const group = graph.groupForParam('shared.weight');
    assert.equal(group.channels, 5);
    assert.deepEqual(group.params, ['shared.weight']);
    const plan = planPruning(model, graph, { 'shared.weight': 0.4, 'stem.weight': 0.5 });
    const pruned = model.prune(plan);
    const w = pruned.onnx.graph.initializers.find((t) => t.name === 'shared.weight');
    assert.deepEqual(w?.dims, [3, 3, 3, 3]);
    assert.equal(pruned.onnx.graph.initializers.filter((t) => t.name.startsWith('shared.weight')).length, 1);
    const x = seededFloats(2 * 8 * 8 * 3, 5);
    assert.ok(maxRelativeDiff(await logitsOf(pruned, x, 2), await logitsOf(model.mask(plan), x, 2)) < 1e-5);
  });
});
