/**
 * A pruned model is written in the TF.js Layers format that stock `tf.loadLayersModel`
 * reads, beside its pruning plan, all or nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, modelFingerprint } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import {
  buildDependencyGraph,
  compareFlops,
  planPruning,
  pruneModel,
  writePrunedModel,
  type PrunedModelInfo,
  type PrunePlan,
  type PruningPlanFile,
} from '../../src/core/pruning';
import { UsageError } from '../../src/core/util/errors';
import { logits, mnistImages } from './pruningTestModels';

let root = '';
let model: tf.LayersModel;
let plan: PrunePlan;
let pruned: tf.LayersModel;
let info: PrunedModelInfo;

before(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-prune-write-'));
  model = buildModel('resnet20', { widthMultiplier: 0.5, seed: 4 });
  plan = planPruning(model, buildDependencyGraph(model), { conv2_1_b_weights: 0.5, conv3_2_a_weights: 0.25 }, { criterion: 'l2_norm' });
  pruned = pruneModel(model, plan);
  info = { source: 'zoo:resnet20', sourceFingerprint: modelFingerprint(model), flops: compareFlops(model, pruned) };
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

/** Reads a saved model with only stock TF.js code paths, as any other TF.js user would. */
async function loadWithStockTfjs(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fsp.readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => fsp.readFile(path.join(path.dirname(modelJsonPath), p)))));
    const joined = Buffer.concat(buffers);
    return [specs, joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)];
  });
  return tf.loadLayersModel({ load: async () => artifacts });
}

describe('writePrunedModel', () => {
  it('writes model.json, weights.bin and pruning-plan.json; stock TF.js loads the model and gets the pruned outputs', async () => {
    const written = await writePrunedModel(path.join(root, 'ok'), pruned, plan, info);
    assert.deepEqual((await fsp.readdir(written.dir)).sort(), ['model.json', 'pruning-plan.json', 'weights.bin']);
    assert.deepEqual(await fsp.readdir(root), ['ok'], 'no temporary folder left beside it');
    const stock = await loadWithStockTfjs(written.modelJson);
    const x = mnistImages(4);
    assert.deepEqual(logits(stock, x), logits(pruned, x));
    assert.equal(modelFingerprint(await loadModel(written.modelJson)), modelFingerprint(pruned));
    x.dispose();
  });

  it('the plan file records ratios, kept channels, FLOPs, params and both fingerprints', async () => {
    const written = await writePrunedModel(path.join(root, 'plan'), pruned, plan, info);
    const file = JSON.parse(await fsp.readFile(written.plan, 'utf8')) as PruningPlanFile;
    assert.equal(file.format, 'prunelens-pruning-plan');
    assert.equal(file.version, 1);
    assert.deepEqual(file.source, { model: 'zoo:resnet20', name: 'resnet20', fingerprint: modelFingerprint(model) });
    assert.deepEqual(file.pruned, { modelJson: 'model.json', fingerprint: modelFingerprint(pruned) });
    assert.equal(file.criterion, 'l2_norm');
    assert.deepEqual(file.ratios, { conv2_1_b_weights: 0.5, conv3_2_a_weights: 0.25 });
    assert.deepEqual(
      file.groups.map((g) => [g.id, g.channels, g.keptChannels, g.kept]),
      plan.groups.map((g) => [g.id, g.channels, g.kept.length, g.kept]),
    );
    const conv1 = file.layers.find((l) => l.layer === 'conv1');
    assert.deepEqual(conv1?.out, { before: 8, after: 4, kept: plan.groups[0]?.kept });
    assert.deepEqual(file.layers.find((l) => l.layer === 'conv3_2_b')?.in?.after, 12);
    assert.equal(file.flops.before, info.flops.before.macs);
    assert.equal(file.flops.after, info.flops.after.macs);
    assert.ok(file.flops.after < file.flops.before);
    assert.deepEqual(file.params, { before: model.countParams(), after: pruned.countParams() });
  });

  it('refuses a folder that is not empty and leaves it as it was; accepts an empty one', async () => {
    const busy = path.join(root, 'busy');
    await fsp.mkdir(busy);
    await fsp.writeFile(path.join(busy, 'notes.txt'), 'mine');
    await assert.rejects(writePrunedModel(busy, pruned, plan, info), (e: unknown) => e instanceof UsageError && /not empty/.test(e.message));
    assert.deepEqual(await fsp.readdir(busy), ['notes.txt']);
    const empty = path.join(root, 'empty');
    await fsp.mkdir(empty);
    await writePrunedModel(empty, pruned, plan, info);
    assert.equal((await fsp.readdir(empty)).length, 3);
  });

  it('leaves nothing behind when writing fails half way (not even the parent folders it created)', async () => {
    const target = path.join(root, 'new', 'deeper', 'out');
    // A BigInt cannot be written as JSON: the model files are written, then the plan fails.
    const broken: PrunedModelInfo = { ...info, flops: { ...info.flops, before: { macs: 1n as unknown as number, params: 0 } } };
    await assert.rejects(writePrunedModel(target, pruned, plan, broken), /could not write the pruned model/);
    await assert.rejects(fsp.stat(path.join(root, 'new')), { code: 'ENOENT' });
  });
});
