import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, tryLoadNative } from '../../src/core/backend';

function fakePackage(name: string, body: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-native-'));
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), body);
  return root;
}

test('with no native package installed the reason says so', () => {
  const r = tryLoadNative({ searchPaths: [fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-empty-'))] });
  assert.equal(r.loaded, undefined);
  assert.deepEqual(r.reasons, ['no @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node found']);
});

test('a native package that fails to load is passed over with its error', () => {
  const root = fakePackage('@tensorflow/tfjs-node-gpu', "throw new Error('libcudart.so.11.0: cannot open shared object file');");
  const r = tryLoadNative({ tfjsNodePath: root });
  assert.equal(r.loaded, undefined);
  assert.ok(r.reasons.some((m) => m.includes('tfjs-node-gpu') && m.includes('libcudart')), r.reasons.join('\n'));
});

test('a native package that registers no backend is reported as such', () => {
  const root = fakePackage('@tensorflow/tfjs-node', 'module.exports = {};');
  const r = tryLoadNative({ tfjsNodePath: root });
  assert.equal(r.loaded, undefined);
  assert.ok(r.reasons.some((m) => /registered no 'tensorflow' backend/.test(m)), r.reasons.join('\n'));
});

test('an explicit cpu or wasm preference is honoured and reported', async () => {
  const cpu = await selectBackend({ prefer: 'cpu' });
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const wasm = await selectBackend({ prefer: 'wasm' });
  assert.equal(wasm.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  await assert.rejects(selectBackend({ prefer: 'native', searchPaths: [] }), /native backend requested but unavailable/);
  await tf.setBackend('cpu');
});
