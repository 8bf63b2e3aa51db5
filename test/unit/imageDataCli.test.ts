/**
 * A zoo MobileNetV1 at 64 x 64 x 3 trained, evaluated and scanned from a folder of JPEG and
 * PNG photos-to-be through the CLI, with a classes file and the prunelens.json training writes
 * (and pruning and fine-tuning carry on).
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import { runCli as run } from './cliHarness';
import { tempDir, writeClassTree } from './imageFixtures';

let dir: string;
let data: string;
let cache: string;
let classes: string;

before(async () => {
  dir = tempDir('prunelens-image-cli-');
  data = path.join(dir, 'photos');
  cache = path.join(dir, 'cache');
  classes = path.join(dir, 'classes.txt');
  await writeClassTree(data, ['red', 'green', 'blue'], 8, { width: 70, height: 66 });
  fs.writeFileSync(classes, 'blue\ngreen\nred\n');
});

it('trains, evaluates and scans a 64x64x3 zoo model from an image folder', async () => {
  const model = path.join(dir, 'model');
  const common = ['--data', data, '--cache-dir', cache, '--classes', classes, '--batch-size', '8'];
  const trained = await run('train', 'zoo:mobilenetV1', '--input-shape', '64,64,3', ...common, '--epochs', '1', '--out', model, '--preprocess', 'symmetric');
  assert.equal(trained.code, EXIT_OK, trained.err);
  assert.match(trained.out, /epoch 1: train top1 .* \(24 images/);
  assert.match(trained.err, /decode images .* 24\/24/, 'the folder was decoded into the cache');

  // The trained model's folder states the preprocessing it was trained with; eval and sensitivity pick it up.
  const stated = (dir: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, 'prunelens.json'), 'utf8'));
  assert.deepEqual(stated(model), { preprocessing: { scaling: 'symmetric' } });
  const evaluated = await run('eval', model, ...common);
  assert.equal(evaluated.code, EXIT_OK, evaluated.err);
  assert.match(evaluated.out, /Final eval - acc_top1: [\d.]+%; acc_top5: 100\.00%  \(24 images/);
  assert.doesNotMatch(evaluated.err, /decode images/, 'the second run reads the cache');

  const sens = path.join(dir, 'sens.json');
  const scanned = await run('sensitivity', model, ...common, '--ratios', '0.5', '--first', '1', '--workers', '1', '--file', sens);
  assert.equal(scanned.code, EXIT_OK, scanned.err);
  assert.match(scanned.out, /on 24 test images/);
  const dataset = (await loadResults(sens)).metadata.dataset;
  assert.deepEqual(dataset.preprocessing, { crop: [64, 64], channels: 'rgb', scaling: 'symmetric', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  assert.equal(dataset.count, 24);

  // A pruned model states its source's preprocessing, and so does one fine-tuned from it.
  const pruned = path.join(dir, 'pruned');
  const prunedRun = await run('prune', model, '--ratio', 'conv1_weights=0.5', '--out', pruned);
  assert.equal(prunedRun.code, EXIT_OK, prunedRun.err);
  assert.deepEqual(stated(pruned), { preprocessing: { scaling: 'symmetric' } });
  const tuned = path.join(dir, 'tuned');
  const tunedRun = await run('train', pruned, ...common, '--epochs', '1', '--resize', '72', '--out', tuned);
  assert.equal(tunedRun.code, EXIT_OK, tunedRun.err);
  assert.deepEqual(stated(tuned), { preprocessing: { resize: 72, scaling: 'symmetric' } }, 'the options on top of the source folder');
});

it('a folder that does not fit the model, and contradictory options, fail with the reason', async () => {
  const wrong = await run('eval', 'zoo:mobilenetV1', '--input-shape', '32,32,3', '--data', data, '--cache-dir', cache);
  assert.equal(wrong.code, EXIT_FAILED);
  assert.match(wrong.err, new RegExp(`${data}: has 3 class folders \\(blue, green, red\\) but the model has 10 outputs`));
  const usage = await run('eval', 'zoo:mobilenetV1', '--input-shape', '32,32,3', '--classes', '3', '--data', data, '--cache-dir', cache, '--preprocess', 'caffe', '--channels', 'rgb');
  assert.equal(usage.code, EXIT_USAGE);
  assert.match(usage.err, /the caffe scaling is for BGR input, but channels are rgb/);
});
