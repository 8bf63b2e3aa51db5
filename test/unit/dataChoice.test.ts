/**
 * The dataset step of the editor's wizards, without the editor: a model folder's
 * prunelens.json is read as the jobs read it (stated, absent or broken, with the file
 * named), the scaling choices come in the order the settings prefer, and a choice with the
 * settings makes the dataset options the job receives; the cluster command carries them on.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { datasetOptionsOf, DEFAULT_DATA_SETTINGS, modelFolder, modelPreprocessing, scalingChoices } from '../../src/extension/dataChoice';
import { sensitivityArgs } from '../../src/shared/scanArgs';

function modelDir(config?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-datachoice-'));
  fs.writeFileSync(path.join(dir, 'model.json'), '{}');
  if (config !== undefined) fs.writeFileSync(path.join(dir, 'prunelens.json'), config);
  return dir;
}

it("reads a model folder's prunelens.json as stated, absent or broken", () => {
  const stated = modelDir('{"preprocessing": {"scaling": "symmetric", "resize": 256}}');
  const read = modelPreprocessing(path.join(stated, 'model.json'));
  assert.equal(read.kind, 'stated');
  assert.deepEqual(read.kind === 'stated' ? read.request : undefined, { scaling: 'symmetric', resize: 256 });
  assert.equal(modelPreprocessing(path.join(modelDir(), 'model.json')).kind, 'none');
  assert.equal(modelPreprocessing('zoo:mobilenetV1').kind, 'none');
  const broken = modelDir('{"preprocessing": {"scale": "unit"}}');
  const bad = modelPreprocessing(broken);
  assert.equal(bad.kind, 'broken');
  assert.ok(bad.kind === 'broken' && bad.file === path.join(broken, 'prunelens.json') && /unknown key "scale"/.test(bad.error), JSON.stringify(bad));
  assert.equal(modelFolder('/m/net.onnx'), '/m');
});

it('offers the prunelens.json entry first when the settings defer to the model, else the preferred preset', () => {
  const stated = modelPreprocessing(path.join(modelDir('{"preprocessing": {"scaling": "caffe"}}'), 'model.json'));
  const deferring = scalingChoices(stated, 'model');
  assert.equal(deferring[0]?.label, 'As prunelens.json says');
  assert.equal(deferring[0]?.description, 'caffe');
  assert.equal(deferring[0]?.preset, undefined);
  assert.deepEqual(deferring.slice(1).map((c) => c.preset), ['unit', 'symmetric', 'imagenet', 'caffe']);
  assert.deepEqual(scalingChoices({ kind: 'none' }, 'model').map((c) => c.label), ['unit', 'symmetric', 'imagenet', 'caffe']);
  assert.deepEqual(scalingChoices(stated, 'imagenet').map((c) => c.preset ?? 'file'), ['imagenet', 'file', 'unit', 'symmetric', 'caffe']);
});

it('makes the dataset options from the choice and the settings, and the cluster arguments from them', () => {
  assert.equal(datasetOptionsOf({ label: 'As prunelens.json says', description: '' }, DEFAULT_DATA_SETTINGS), undefined);
  const options = datasetOptionsOf({ label: 'imagenet', description: '', preset: 'imagenet' }, { scaling: 'model', resize: 256, limit: 500, cacheDir: '/tmp/c' });
  assert.deepEqual(options, { preprocessing: { scaling: 'imagenet', resize: 256 }, limit: 500, cacheDir: '/tmp/c' });
  const args = sensitivityArgs({ ratios: [0.1], ...(options !== undefined ? { datasetOptions: options } : {}) });
  assert.deepEqual(args, ['--ratios', '0.1', '--preprocess', 'imagenet', '--resize', '256', '--limit', '500']);
});
