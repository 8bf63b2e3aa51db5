/**
 * The extension activates in a workspace holding a model.json, and it runs from its
 * packaged form: the folder it was loaded from holds the bundles and the production
 * dependencies, and none of the sources or the development tools.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { extension } from './workspace';

describe('activation', () => {
  it('activates, from the packaged extension', async () => {
    const ext = extension();
    await ext.activate();
    assert.equal(ext.isActive, true);
    const has = (rel: string): boolean => fs.existsSync(path.join(ext.extensionPath, rel));
    assert.ok(has('dist/extension.js') && has('dist/server.js') && has('dist/worker.js'), 'the bundles are there');
    assert.ok(has('node_modules/onnxruntime-node') && has('node_modules/@tensorflow/tfjs-core') && has('node_modules/@tensorflow/tfjs-backend-wasm'), 'the engines are there');
    assert.ok(!has('src') && !has('node_modules/typescript') && !has('node_modules/mocha'), 'no sources or development dependencies');
    // The WebGL backend never runs in Node; the bundles carry TF.js's umbrella without it.
    assert.ok(!has('node_modules/@tensorflow/tfjs-backend-webgl') && !has('node_modules/@tensorflow/tfjs'), 'no browser-only TF.js packages');
  });
});
