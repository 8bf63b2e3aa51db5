/**
 * The registry of layer classes (src/core/layers) is complete: every entry has every facet
 * or declares why not, names a class TF.js can load, and docs/models.md lists it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { LAYER_CLASSES } from '../../src/core/layers/registry';

const classNameMap = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, unknown> }).classNameMap;

test('every layer class has every facet, or a declared reason for a missing one', () => {
  for (const [name, entry] of LAYER_CLASSES) {
    assert.equal(entry.className, name);
    assert.ok(entry.pruning.length > 10, `${name}: says what pruning does to it`);
    assert.equal(typeof entry.channels, 'function', `${name}: a channel rule`);
    assert.equal(typeof entry.macs.counted, 'function', `${name}: a MAC count`);
    if ('unsupported' in entry.onnx) assert.ok(entry.onnx.unsupported.length > 10, `${name}: why it is not exported to ONNX`);
    else assert.equal(typeof entry.onnx.convert, 'function', `${name}: an ONNX converter`);
    for (const [weight, facet] of Object.entries(entry.weights)) assert.match(facet.suffix, /^_[a-z_]+$/, `${name}.${weight}: a parameter-name suffix`);
    if (entry.width !== undefined) {
      assert.ok(Object.values(entry.weights).some((w) => w.outChannels !== undefined), `${name}: a width setting needs a kernel whose output channels it counts`);
    }
  }
});

test('every registered class is one TF.js can load', () => {
  for (const name of LAYER_CLASSES.keys()) assert.ok(name in classNameMap, `${name} is not a TF.js layer class`);
});

test('docs/models.md lists every registered class with what pruning does to it', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'models.md'), 'utf8');
  for (const entry of LAYER_CLASSES.values()) {
    assert.ok(doc.includes(`| ${entry.className} |`), `docs/models.md has no row for ${entry.className}`);
  }
});
