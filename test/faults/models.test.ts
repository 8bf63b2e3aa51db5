/**
 * Model files are checked before their weights are read (the manifest against the weights
 * the topology builds, the total against what can be held), and after (every weight finite);
 * a topology that describes nothing and a batch too large to train get a clear message
 * instead of TF.js's empty one or the wasm backend's abort.
 */
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK } from '../../src/cli/main';
import { loadModel } from '../../src/core/models/io';
import { hashOf, runCli, saveTinyModel, snapshot, tempDir, writeIdx } from './faultKit';

interface ModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

let dir = '';
let good = '';
let data = '';
let counter = 0;

before(async () => {
  dir = tempDir('prunelens-fault-models-');
  good = path.dirname(await saveTinyModel(path.join(dir, 'good')));
  data = writeIdx(path.join(dir, 'data'), 28, 16);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of the tiny model with model.json edited and weights.bin passed through `weights`. */
function variant(edit: (json: ModelJson) => void, weights: (file: string) => void = () => undefined): string {
  const out = path.join(dir, `case${counter++}`);
  fs.cpSync(good, out, { recursive: true });
  const file = path.join(out, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  weights(path.join(out, 'weights.bin'));
  return file;
}

test('NaN and infinite weights are refused by eval and sensitivity, naming the tensors; --allow-nonfinite loads them', async () => {
  const file = variant(
    () => undefined,
    (weights) => {
      const bytes = fs.readFileSync(weights);
      // The first float of the first tensor (c1/kernel) and the 6th float of it.
      bytes.writeFloatLE(Number.NaN, 0);
      bytes.writeFloatLE(Number.POSITIVE_INFINITY, 20);
      fs.writeFileSync(weights, bytes);
    },
  );
  const folder = path.dirname(file);
  const before = snapshot(folder);
  const sens = path.join(dir, 'nan.json');
  const nonfinite = /model\.json: has weights that are NaN or infinite: 'c1\/kernel' \(2 of 36 values\); refused \(--allow-nonfinite loads it anyway\)/;
  const evaluated = await runCli('eval', file, '--data', data, '--backend', 'cpu');
  assert.equal(evaluated.code, EXIT_FAILED);
  assert.match(evaluated.err, nonfinite);
  const scanned = await runCli('sensitivity', file, '--data', data, '--ratios', '0.5', '--file', sens, '--workers', '1', '--backend', 'cpu');
  assert.equal(scanned.code, EXIT_FAILED);
  assert.match(scanned.err, nonfinite);
  assert.equal(hashOf(sens), 'absent');
  assert.deepEqual(snapshot(folder), before);
  const allowed = await runCli('eval', file, '--data', data, '--backend', 'cpu', '--allow-nonfinite');
  assert.equal(allowed.code, EXIT_OK, allowed.err);
});

test('a 1 GiB tensor the topology does not have is refused before any weight is read', async (t) => {
  const file = variant(
    (json) => json.weightsManifest[0]?.weights.push({ name: 'extra/kernel', shape: [2 ** 28], dtype: 'float32' }),
    // Sparse: the size matches the manifest without taking the disk space.
    (weights) => fs.truncateSync(weights, fs.statSync(weights).size + 2 ** 30),
  );
  const reads = t.mock.method(fs.promises, 'readFile');
  await assert.rejects(loadModel(file), /model\.json: the weights manifest does not match the topology: 'extra\/kernel' is in the manifest but no layer of the topology has it; refused before reading any weights/);
  const weightReads = reads.mock.calls.filter((c) => String(c.arguments[0]).endsWith('weights.bin'));
  assert.equal(weightReads.length, 0, 'the weights file was not read');
  mock.restoreAll();
  fs.rmSync(path.dirname(file), { recursive: true });
});

test('a shape in the manifest that differs from the topology is refused before reading, naming both', async () => {
  const file = variant(
    (json) => {
      const spec = json.weightsManifest[0]?.weights.find((w) => w.name === 'c1/kernel');
      if (spec) spec.shape = [3, 3, 1, 5];
    },
    (weights) => fs.truncateSync(weights, fs.statSync(weights).size + 9 * 4),
  );
  await assert.rejects(loadModel(file), /'c1\/kernel' is \[3, 3, 1, 5\] in the manifest but the topology makes it \[3, 3, 1, 4\]/);
});

test('weights over 4 GiB are refused with the total, not a RangeError', async () => {
  const file = variant((json) => {
    for (let i = 0; i < 5; i++) json.weightsManifest[0]?.weights.push({ name: `huge${i}/kernel`, shape: [2 ** 28], dtype: 'float32' });
  });
  const r = await runCli('eval', file, '--data', data, '--backend', 'cpu');
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, /model\.json: declares 5\.0 GiB of weights; PruneLens loads models of at most 4 GiB; refused/);
  assert.doesNotMatch(r.err, /RangeError|internal error/);
});

test('an empty topology is refused with a message that says so', async () => {
  const empty = variant((json) => (json.modelTopology = {}));
  const r = await runCli('eval', empty, '--data', data, '--backend', 'cpu');
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, /model\.json: modelTopology is empty or names no model class .*; it describes no model/);
  const noLayers = variant((json) => ((json.modelTopology['config'] as Record<string, unknown>)['layers'] = []));
  await assert.rejects(loadModel(noLayers), /modelTopology's Model has no layers; it describes no model/);
});

test('train --batch-size 4000 on the wasm backend fails before training with the batch size that fits, not "Aborted()"', async () => {
  const out = path.join(dir, 'trained');
  const r = await runCli('train', 'zoo:mobilenetV1', '--data', data, '--out', out, '--batch-size', '4000', '--backend', 'wasm');
  assert.equal(r.code, EXIT_FAILED, r.out);
  assert.match(r.err, /batch size 4000 needs about \d+\.\d GiB to train "mobilenetV1\w*" on the TF\.js wasm backend, which has at most 4\.0 GiB; use --batch-size \d+ or less/);
  assert.doesNotMatch(r.err, /Aborted|internal error/);
  assert.equal(fs.existsSync(out), false);
});
