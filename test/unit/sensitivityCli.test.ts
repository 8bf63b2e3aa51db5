/**
 * The sensitivity commands end to end on a small saved model and the built-in digits:
 * `sensitivity` (and resuming it), `ratios` into a file that `prune` takes, `plot`, and
 * the refusal of a corrupt results file.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { runCli as run } from './cliHarness';
import { saveModel } from '../../src/core/models/io';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import { tempDir } from './sensitivityFixtures';
import { checkWellFormed } from './xmlCheck';

let dir: string;
let modelDir: string;

before(async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [28, 28, 1] });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }).apply(input);
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 6, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(c1);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(c2);
  const logits = tf.layers.dense({ name: 'fc', units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(pooled) as tf.SymbolicTensor;
  dir = tempDir('prunelens-sens-cli-');
  modelDir = path.join(dir, 'model');
  await saveModel(tf.model({ name: 'small', inputs: input, outputs: logits }), modelDir);
});


it('sensitivity measures, resumes, and feeds ratios, prune and plot', async () => {
  const sens = path.join(dir, 'sens.json');
  const first = await run('sensitivity', modelDir, '--ratios', '0.25,0.5', '--file', sens, '--metric', 'agreement', '--backend', 'cpu');
  assert.equal(first.code, EXIT_OK, first.err);
  assert.match(first.out, /\[4\/4\] c2_weights @ 0.5: agreement/);
  const results = await loadResults(sens);
  assert.equal(results.metadata.baseline, 1);
  assert.deepEqual(Object.keys(results.points), ['c1_weights', 'c2_weights']);
  const again = await run('sensitivity', modelDir, '--ratios', '0.25,0.5', '--file', sens, '--metric', 'agreement', '--backend', 'cpu');
  assert.equal(again.code, EXIT_OK, again.err);
  assert.doesNotMatch(again.out, /\[\d+\/\d+\]/, 'nothing is measured twice');

  const ratiosFile = path.join(dir, 'ratios.json');
  const ratios = await run('ratios', sens, '--loss', '1', '-o', ratiosFile);
  assert.equal(ratios.code, EXIT_OK, ratios.err);
  assert.deepEqual(JSON.parse(fs.readFileSync(ratiosFile, 'utf8')).ratios, { c1_weights: 0.5, c2_weights: 0.5 });
  const pruned = await run('prune', modelDir, '--ratios', ratiosFile, '--out', path.join(dir, 'pruned'));
  assert.equal(pruned.code, EXIT_OK, pruned.err);
  const target = await run('ratios', sens, '--target-flops', '0.3');
  assert.equal(target.code, EXIT_OK, target.err);
  assert.match(target.out, /MACs per image \S+ -> \S+ \(-\d+\.\d+%\)/);
  assert.equal((await run('ratios', sens, '--loss', '0.01', '-o', sens)).code, EXIT_USAGE, 'never writes ratios over a results file');

  const svg = path.join(dir, 'sens.svg');
  assert.equal((await run('plot', sens, '-o', svg)).code, EXIT_OK);
  checkWellFormed(fs.readFileSync(svg, 'utf8'));
  assert.equal((await run('plot', sens, '-o', path.join(dir, 'sens2.json'))).code, EXIT_USAGE);
});

it('sensitivity refuses a corrupt results file and leaves it as it is', async () => {
  const sens = path.join(dir, 'corrupt.json');
  fs.writeFileSync(sens, '{"format": "prunelens-sensitivity", "version": 1, "metad');
  const r = await run('sensitivity', modelDir, '--ratios', '0.5', '--file', sens, '--backend', 'cpu');
  assert.equal(r.code, EXIT_FAILED);
  assert.match(r.err, /corrupt\.json: is not valid JSON .*will not overwrite it/);
  assert.equal(fs.readFileSync(sens, 'utf8'), '{"format": "prunelens-sensitivity", "version": 1, "metad');
});
