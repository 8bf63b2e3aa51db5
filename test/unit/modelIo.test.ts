/**
 * Saved models round-trip exactly, the files are the standard TF.js Layers format (the
 * stock loader reads them), and the fingerprint identifies a model's content.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, modelFingerprint, saveModel } from '../../src/core/models/io';
import { listParams } from '../../src/core/models/naming';
import { buildModel, ZOO_NAMES } from '../../src/core/models/zoo';

let root = '';

before(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-io-'));
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function predict(model: tf.LayersModel, shape: [number, number, number]): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, ...shape], 0, 1, 'float32', 11);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** Reads a saved model with only stock TF.js code paths, as any other TF.js user would. */
async function loadWithStockTfjs(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fsp.readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers = await Promise.all(
      manifest.flatMap((group) => group.paths.map((p) => fsp.readFile(path.join(path.dirname(modelJsonPath), p)))),
    );
    const joined = Buffer.concat(buffers);
    return [specs, joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)];
  });
  return tf.loadLayersModel({ load: async () => artifacts });
}

describe('model files', () => {
  it('writes model.json and weights.bin and leaves no temporary files', async () => {
    const dir = path.join(root, 'layout', 'nested');
    const files = await saveModel(buildModel('vgg', { widthMultiplier: 0.25 }), dir);
    assert.equal(files.modelJson, path.join(dir, 'model.json'));
    assert.deepEqual(files.weights, [path.join(dir, 'weights.bin')]);
    assert.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(await fsp.readFile(files.modelJson, 'utf8')) as Record<string, unknown>;
    assert.equal(json['format'], 'layers-model');
    assert.ok(typeof json['modelTopology'] === 'object');
    assert.deepEqual((json['weightsManifest'] as { paths: string[] }[])[0]?.paths, ['weights.bin']);
  });

  for (const name of ZOO_NAMES) {
    it(`round-trips ${name}: same predictions, weights, parameter names and fingerprint`, async () => {
      const shape: [number, number, number] = [16, 16, 1];
      const model = buildModel(name, { inputShape: shape, widthMultiplier: 0.25, seed: 5 });
      const files = await saveModel(model, path.join(root, name));
      const loaded = await loadModel(files.modelJson);
      assert.deepEqual(predict(loaded, shape), predict(model, shape));
      assert.deepEqual(
        listParams(loaded).map((p) => [p.name, p.variablePath]),
        listParams(model).map((p) => [p.name, p.variablePath]),
      );
      assert.equal(modelFingerprint(loaded), modelFingerprint(model));
      // Inference-mode settings survive the trip (they are not weights).
      assert.equal(loaded.layers.find((l) => l.getClassName() === 'BatchNormalization')?.getConfig()['momentum'], 0.9);
      model.dispose();
      loaded.dispose();
    });
  }

  it('writes files the stock TF.js loader reads', async () => {
    const shape: [number, number, number] = [16, 16, 1];
    const model = buildModel('mobilenetV1', { inputShape: shape, widthMultiplier: 0.25 });
    const files = await saveModel(model, path.join(root, 'stock'));
    const stock = await loadWithStockTfjs(files.modelJson);
    assert.deepEqual(predict(stock, shape), predict(model, shape));
  });

  it('keeps user-defined metadata', async () => {
    const model = buildModel('vgg', { widthMultiplier: 0.25 });
    model.setUserDefinedMetadata({ prunelens: { dataset: 'mnist', epochs: 1 } });
    const loaded = await loadModel((await saveModel(model, path.join(root, 'metadata'))).modelJson);
    assert.deepEqual(loaded.getUserDefinedMetadata(), { prunelens: { dataset: 'mnist', epochs: 1 } });
  });

  it('overwrites an earlier save in the same folder', async () => {
    const dir = path.join(root, 'overwrite');
    await saveModel(buildModel('vgg', { widthMultiplier: 0.25, seed: 1 }), dir);
    const second = buildModel('vgg', { widthMultiplier: 0.25, seed: 2 });
    await saveModel(second, dir);
    assert.equal(modelFingerprint(await loadModel(path.join(dir, 'model.json'))), modelFingerprint(second));
  });
});

describe('modelFingerprint', () => {
  it('is a stable sha256 that changes with the weights and the topology', () => {
    const a = buildModel('vgg', { widthMultiplier: 0.25, seed: 3 });
    const b = buildModel('vgg', { widthMultiplier: 0.25, seed: 3 });
    const fp = modelFingerprint(a);
    assert.match(fp, /^[0-9a-f]{64}$/);
    assert.equal(modelFingerprint(a), fp, 'same model, same fingerprint');
    assert.equal(modelFingerprint(b), fp, 'an identical rebuild has the same fingerprint');

    const layer = b.getLayer('conv2_1');
    const [kernel, bias] = layer.getWeights();
    assert.ok(kernel !== undefined && bias !== undefined);
    layer.setWeights([kernel, bias.add(1e-3)]);
    assert.notEqual(modelFingerprint(b), fp, 'a changed weight changes it');

    const wider = buildModel('vgg', { widthMultiplier: 0.5, seed: 3 });
    assert.notEqual(modelFingerprint(wider), fp, 'a changed topology changes it');
  });
});
