/**
 * An NHWC export in the tf2onnx style, built here: the images come in NHWC, a Transpose
 * makes them NCHW for each Conv and another takes the result back (Transpose-Conv-Transpose),
 * and biases, scales, activations and the head's mean work on NHWC tensors. The channel
 * axis moves with every Transpose; the model is scanned exactly (fast engine = a masked
 * model per point), pruned (pruned = masked), and imported into TF.js.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { createFastEngine } from '../../src/core/fast/fastEngine';
import { tfjsPredictor } from '../../src/core/eval/evaluate';
import { analysableParams } from '../../src/core/models/naming';
import { prepareOnnxModel } from '../../src/core/onnx/loadOnnx';
import { onnxModel, type OnnxModelHandle } from '../../src/core/onnx/onnxModel';
import type { OnnxIrAttribute, OnnxIrNode } from '../../src/core/onnx/types';
import { encodeOnnxModel } from '../../src/core/onnx/writeOnnx';
import { planPruning } from '../../src/core/pruning';
import { datasetIdentity } from '../../src/core/sensitivity/fingerprint';
import { handleMetric } from '../../src/core/sensitivity/metrics';
import { perPointEngine } from '../../src/core/sensitivity/scanEngine';
import { sensitivity } from '../../src/core/sensitivity/scan';
import { isMeasured } from '../../src/shared/results';
import { floatInit, handModel, maxRelativeDiff, node, runOrt, seededFloats } from './onnxFixtureUtil';
import { logitsOf, seededDataset } from './onnxModelUtil';

const TO_NCHW: OnnxIrAttribute = { name: 'perm', kind: 'ints', value: [0, 3, 1, 2] };
const TO_NHWC: OnnxIrAttribute = { name: 'perm', kind: 'ints', value: [0, 2, 3, 1] };

/** A conv as tf2onnx writes one in an NHWC graph: Transpose, Conv, Transpose. */
function nhwcConv(name: string, input: string, attributes: OnnxIrAttribute[], bias: boolean): OnnxIrNode[] {
  return [
    node('Transpose', [input], [`${name}/nchw`], [TO_NCHW], `${name}/Transpose_in`),
    node('Conv', [`${name}/nchw`, `${name}/kernel`, ...(bias ? [`${name}/bias`] : [])], [`${name}/conv`], attributes, `${name}/Conv2D`),
    node('Transpose', [`${name}/conv`], [name], [TO_NHWC], `${name}/Transpose_out`),
  ];
}

const weight = (name: string, dims: number[], seed: number): ReturnType<typeof floatInit> => floatInit(name, dims, Array.from(seededFloats(dims.reduce((a, b) => a * b, 1), seed), (v) => v * 0.5));

function tf2onnxModel(): OnnxModelHandle {
  const k3 = { name: 'kernel_shape', kind: 'ints' as const, value: [3, 3] };
  const pads = { name: 'pads', kind: 'ints' as const, value: [1, 1, 1, 1] };
  const ir = handModel({
    nodes: [
      ...nhwcConv('conv1', 'images', [k3, pads], false),
      node('Add', ['conv1', 'conv1/bias_nhwc'], ['a1'], [], 'conv1/BiasAdd'),
      node('Relu', ['a1'], ['r1'], [], 'conv1/Relu'),
      ...nhwcConv('dw', 'r1', [k3, pads, { name: 'group', kind: 'int', value: 8 }, { name: 'strides', kind: 'ints', value: [2, 2] }], true),
      node('Mul', ['dw', 'dw/scale'], ['m2'], [], 'dw/Scale'),
      node('Relu', ['m2'], ['r2'], [], 'dw/Relu'),
      ...nhwcConv('conv3', 'r2', [{ name: 'kernel_shape', kind: 'ints', value: [1, 1] }], true),
      node('Relu', ['conv3'], ['r3'], [], 'conv3/Relu'),
      node('ReduceMean', ['r3'], ['pooled'], [{ name: 'axes', kind: 'ints', value: [1, 2] }, { name: 'keepdims', kind: 'int', value: 0 }], 'pool/Mean'),
      node('MatMul', ['pooled', 'dense/kernel'], ['mm'], [], 'dense/MatMul'),
      node('Add', ['mm', 'dense/bias'], ['logits'], [], 'dense/BiasAdd'),
    ],
    initializers: [
      weight('conv1/kernel', [8, 3, 3, 3], 1),
      weight('conv1/bias_nhwc', [8], 2),
      weight('dw/kernel', [8, 1, 3, 3], 3),
      weight('dw/bias', [8], 4),
      weight('dw/scale', [1, 1, 1, 8], 5),
      weight('conv3/kernel', [12, 8, 1, 1], 6),
      weight('conv3/bias', [12], 7),
      weight('dense/kernel', [12, 10], 8),
      weight('dense/bias', [10], 9),
    ],
    inputs: [{ name: 'images', shape: ['unk__0', 16, 16, 3] }],
    outputs: ['logits'],
  });
  return onnxModel(prepareOnnxModel(ir).model);
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('a tf2onnx-style NHWC export', () => {
  it('follows the channels through the Transposes: two prunable groups, the biases and scales sliced with them', () => {
    const model = tf2onnxModel();
    const graph = model.dependencyGraph();
    const first = graph.groupForParam('conv1/kernel');
    assert.deepEqual(first.params, ['conv1/kernel', 'dw/kernel']);
    assert.ok(first.prunable);
    assert.deepEqual([...new Set(first.members.map((m) => m.param))].sort(), ['conv1/bias_nhwc', 'conv1/kernel', 'conv3/kernel', 'dw/bias', 'dw/kernel', 'dw/scale']);
    const head = graph.groupForParam('conv3/kernel');
    assert.equal(head.channels, 12);
    assert.ok(head.members.some((m) => m.param === 'dense/kernel' && m.axis === 0 && m.role === 'in'));
    assert.deepEqual(model.input(), { height: 16, width: 16, channels: 3, numClasses: 10 });
  });

  it('is evaluated as it is: NHWC images straight into its input', async () => {
    const model = tf2onnxModel();
    const x = seededFloats(2 * 16 * 16 * 3, 4);
    const direct = (await runOrt(encodeOnnxModel(model.onnx), { images: new ort.Tensor('float32', x, [2, 16, 16, 3]) })).logits?.data as Float32Array;
    assert.ok(maxRelativeDiff(await logitsOf(model, x, 2), direct) < 1e-6);
  });

  it('is scanned exactly and pruned to what its masked model computes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prunelens-nhwc-'));
    try {
      const model = tf2onnxModel();
      const data = { ...seededDataset(model, 48), unlabeled: true };
      const params = analysableParams(model.params()).map((p) => p.name);
      const options = (file: string): Parameters<typeof sensitivity>[3] => ({ file: path.join(dir, file), dataset: datasetIdentity(data), metric: 'agreement', ratios: [0.25, 0.5, 0.75] });
      const perPoint = await sensitivity(model, params, perPointEngine(model, handleMetric(model, data, { metric: 'agreement', intraOpThreads: 1 })), options('a.json'));
      const engine = await createFastEngine(model, data, { metric: 'agreement', intraOpThreads: 1, batchSize: 16 });
      const fast = await sensitivity(model, params, engine, options('b.json'));
      engine.release();
      const numbers = (r: typeof fast): unknown => Object.values(r.points).map((t) => Object.values(t).map((p) => (isMeasured(p) ? p.metric : p.skipped)));
      assert.deepEqual(numbers(fast), numbers(perPoint));
      assert.equal(Object.keys(fast.points).length, 2);

      const plan = planPruning(model, model.dependencyGraph(), { 'conv1/kernel': 0.5, 'conv3/kernel': 0.25 });
      const pruned = model.prune(plan);
      const x = seededFloats(3 * 16 * 16 * 3, 9);
      assert.ok(maxRelativeDiff(await logitsOf(pruned, x, 3), await logitsOf(model.mask(plan), x, 3)) < 1e-4);
      assert.deepEqual(pruned.onnx.graph.inputs, model.onnx.graph.inputs);
      assert.deepEqual(pruned.onnx.graph.initializers.find((t) => t.name === 'dw/scale')?.dims, [1, 1, 1, 4]);
      assert.deepEqual(pruned.onnx.graph.initializers.find((t) => t.name === 'dense/kernel')?.dims, [9, 10]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports into TF.js (the Transposes need no layer) and its trained weights come back', async () => {
    const model = tf2onnxModel();
    const x = seededFloats(2 * 16 * 16 * 3, 6);
    const { model: imported, back } = await model.trainable();
    try {
      assert.ok(maxRelativeDiff(await tfjsPredictor(imported)(x, 2), await logitsOf(model, x, 2)) < 1e-4);
      assert.ok(maxRelativeDiff(await logitsOf(back(imported), x, 2), await logitsOf(model, x, 2)) < 1e-4);
    } finally {
      imported.dispose();
    }
  });
});
