/**
 * The ONNX op registry (src/core/layers/onnx) is complete and agrees with the rest: every
 * entry has every facet or declares why not, it covers exactly the ops the ONNX reader
 * accepts, docs/models.md lists each op, and MACs are counted by the same definition as
 * for TF.js models (a TF.js model and its ONNX export give the same count).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildOnnxGraph } from '../../src/core/eval/onnxExport';
import { ONNX_OPS } from '../../src/core/layers/onnx/registry';
import { summarizeModel } from '../../src/core/models/summary';
import { prepareOnnxModel } from '../../src/core/onnx/loadOnnx';
import { onnxModel } from '../../src/core/onnx/onnxModel';
import { parseOnnx } from '../../src/core/onnx/readOnnx';
import { SUPPORTED_OPS } from '../../src/core/onnx/supportedOps';
import { randomizeWeights, type Sym } from './onnxTestUtil';

before(async () => {
  await tf.setBackend('cpu');
});

describe('the ONNX op registry', () => {
  it('gives every op every facet, or a declared reason for a missing one', () => {
    for (const [name, entry] of ONNX_OPS) {
      assert.equal(entry.className, name);
      assert.ok(entry.pruning.length > 10, `${name}: says what pruning does to it`);
      assert.equal(typeof entry.channels, 'function', `${name}: a channel rule`);
      assert.equal(typeof entry.macs.counted, 'function', `${name}: a MAC count`);
      if ('unsupported' in entry.tfjs) assert.ok(entry.tfjs.unsupported.length > 10, `${name}: why it is not imported into TF.js`);
      else assert.equal(typeof entry.tfjs.convert, 'function', `${name}: a TF.js import`);
      for (const [weight, facet] of Object.entries(entry.weights)) {
        assert.equal(entry.inputs[facet.input], weight, `${name}.${weight}: named by its spec input`);
      }
    }
  });

  it('covers exactly the ops the ONNX reader accepts', () => {
    assert.deepEqual([...ONNX_OPS.keys()].sort(), [...SUPPORTED_OPS].sort());
  });

  it('is listed in docs/models.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'models.md'), 'utf8');
    for (const name of ONNX_OPS.keys()) assert.ok(doc.includes(`| ${name} |`), `docs/models.md has no row for ONNX op ${name}`);
  });
});

describe('MACs of an ONNX model', () => {
  it('are what the TF.js model it was exported from counts, conv-only and all layers', async () => {
    const input = tf.input({ name: 'input', shape: [12, 12, 2] });
    const apply = (layer: tf.layers.Layer, x: Sym): Sym => layer.apply(x) as Sym;
    let x = apply(tf.layers.conv2d({ name: 'c1', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
    x = apply(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'valid' }), x);
    x = apply(tf.layers.reLU({ name: 'dw_relu' }), x);
    x = apply(tf.layers.conv2d({ name: 'pw', filters: 8, kernelSize: 1 }), x);
    x = apply(tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }), x);
    x = apply(tf.layers.flatten({ name: 'flat' }), x);
    x = apply(tf.layers.dense({ name: 'fc1', units: 7, activation: 'relu' }), x);
    const model = tf.model({ name: 'macs', inputs: input, outputs: apply(tf.layers.dense({ name: 'fc2', units: 3 }), x) });
    randomizeWeights(model, 3);
    const exported = onnxModel(prepareOnnxModel(await parseOnnx(buildOnnxGraph(model, { foldBatchNorm: true }).graph.toBytes(), undefined)).model);
    for (const onlyConv of [true, false]) {
      assert.equal(exported.summary({ onlyConv }).totalMacs, summarizeModel(model, { onlyConv }).totalMacs, `onlyConv ${onlyConv}`);
    }
    assert.equal(exported.summary().totalParams, summarizeModel(model).totalParams);
  });
});
