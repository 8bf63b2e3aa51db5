/**
 * The shared vocabulary (src/shared/vocabulary.ts) is the one source of defaults and enums:
 * package.json's contributed settings must offer exactly what it defines, and the core's
 * zoo builds every model it names.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildModel } from '../../src/core/models/zoo';
import { CRITERIA, DEFAULT_CRITERION, DEFAULT_LOSS_THRESHOLD, DEFAULT_RATIOS, parseDatasetLabel, datasetLabel, parseParamFilter, PROVIDERS, looksLikeResultsText, isResultsJson, ZOO_NAMES } from '../../src/shared/vocabulary';
import { DEFAULT_DATA_SETTINGS } from '../../src/extension/dataChoice';
import { SCALING_PRESETS } from '../../src/shared/preprocessing';

interface Setting {
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly items?: { readonly enum?: readonly unknown[] };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Setting> } };
};
const settings = manifest.contributes.configuration.properties;

function setting(name: string): Setting {
  const s = settings[name];
  assert.ok(s, `package.json contributes ${name}`);
  return s;
}

test("package.json's settings offer the vocabulary's defaults and enums", () => {
  assert.deepEqual(setting('prunelens.analysis.ratios').default, [...DEFAULT_RATIOS]);
  assert.deepEqual(setting('prunelens.analysis.criterion').enum, [...CRITERIA]);
  assert.equal(setting('prunelens.analysis.criterion').default, DEFAULT_CRITERION);
  assert.equal(setting('prunelens.lossThreshold').default, DEFAULT_LOSS_THRESHOLD);
  assert.deepEqual(setting('prunelens.evaluation.providers').items?.enum, [...PROVIDERS]);
  assert.deepEqual(setting('prunelens.data.scaling').enum, ['model', ...SCALING_PRESETS]);
  assert.equal(setting('prunelens.data.scaling').default, DEFAULT_DATA_SETTINGS.scaling);
});

test('the zoo builds every model the vocabulary names', () => {
  for (const name of ZOO_NAMES) assert.ok(buildModel(name).layers.length > 5, name);
});

test('filters: a substring, or /a regular expression/ with flags', () => {
  assert.equal(parseParamFilter('_sep_weights'), '_sep_weights');
  const re = parseParamFilter('/conv[23]_1/i');
  assert.ok(re instanceof RegExp && re.test('CONV2_1_sep') && !re.test('conv4_1'));
  assert.throws(() => parseParamFilter('/conv[/'), SyntaxError);
});

test('dataset labels and results-file detection round-trip', () => {
  assert.deepEqual(parseDatasetLabel(datasetLabel('/data/x:y', 'train')), { spec: '/data/x:y', split: 'train' });
  assert.deepEqual(parseDatasetLabel('builtin'), { spec: 'builtin', split: 'test' });
  assert.ok(looksLikeResultsText('{\n  "format": "prunelens-sensitivity",'));
  assert.ok(!looksLikeResultsText('{"format": "layers-model"}'));
  assert.ok(isResultsJson({ format: 'prunelens-sensitivity' }) && !isResultsJson(null) && !isResultsJson([]));
});
