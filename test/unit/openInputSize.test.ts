/**
 * A model file whose input size is open ([null, null, null, 3], as many published models
 * declare it) gets no guessed MACs: `flops` asks for --input-shape, and with it every
 * command builds the model at that size. A size the model fixes must agree.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveModel } from '../../src/core/models/io';
import { runCli } from './cliHarness';

let root = '';
let model = '';

before(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-open-size-'));
  const input = tf.input({ shape: [null, null, 3], name: 'input' });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, name: 'fc' }).apply(pooled) as tf.SymbolicTensor;
  model = (await saveModel(tf.model({ inputs: input, outputs: out, name: 'open' }), path.join(root, 'open'))).modelJson;
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

test('MACs of a model of open input size are refused, not guessed', async () => {
  const r = await runCli('flops', model);
  assert.equal(r.code, 2);
  assert.match(r.err, /takes images of any size \(\[\?, \?, 3\]\), and its MACs depend on the size: give one with --input-shape H,W,C/);
});

test('--input-shape builds a model file at that size, for MACs and everything else', async () => {
  const r = await runCli('flops', model, '--input-shape', '8,6,3', '--json');
  assert.equal(r.code, 0, r.err);
  // conv1: 8 * 6 positions * 4 filters * (3 * 3 * 3 + bias); fc: 4 * 2.
  assert.equal((JSON.parse(r.out) as { macs: number }).macs, 8 * 6 * 4 * 28 + 8);
  const wrong = await runCli('flops', model, '--input-shape', '8,6,1');
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /the model's input is \[\?, \?, 3\]; --input-shape 8,6,1 does not fit it/);
});
