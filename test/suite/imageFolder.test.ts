/**
 * The user's own images through the extension: a zoo model at 64x64x3 is trained on the
 * workspace's image folder (one subfolder per class, JPEG and PNG, grey and alpha among
 * them), evaluated and scanned, each a job started by `prunelens.startJob` and followed to
 * its end. Training writes a prunelens.json with its scaling beside the model, which the
 * evaluation and the scan read: the results file records that scaling.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { runJob as run } from './jobs';
import { workspaceRoot } from './workspace';

describe('image folder jobs', () => {
  it('trains, evaluates and scans a 64x64x3 model on a folder of images', async () => {
    const root = workspaceRoot();
    const images = path.join(root, 'images');
    const output = path.join(root, 'rgb-model');
    const trained = await run({
      kind: 'train',
      model: 'zoo:mobilenetV1',
      zoo: { inputShape: [64, 64, 3], classes: 3, seed: 1 },
      dataset: images,
      datasetOptions: { preprocessing: { scaling: 'symmetric' } },
      epochs: 1,
      batchSize: 8,
      output,
    });
    assert.match(trained.result?.summary ?? '', /trained 1 epoch/);
    const model = path.join(output, 'model.json');
    // Training wrote the preprocessing it used beside the model, for the jobs after it.
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(output, 'prunelens.json'), 'utf8')), { preprocessing: { scaling: 'symmetric' } });

    const evaluated = await run({ kind: 'evaluate', model, dataset: images, split: 'test' });
    assert.match(evaluated.result?.summary ?? '', /^top-1 \d+\.\d\d%, top-5 .* over 24 test images$/);

    const file = path.join(root, 'images-sensitivity.json');
    await run({ kind: 'sensitivity', file, model, dataset: images, params: ['conv2_1_sep_weights'], ratios: [0.5] });
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      metadata: { dataset: { preprocessing?: { scaling: string; crop: number[]; channels: string } } };
      points: Record<string, Record<string, { loss?: number }>>;
    };
    const preprocessing = results.metadata.dataset.preprocessing;
    assert.deepEqual([preprocessing?.scaling, preprocessing?.crop, preprocessing?.channels], ['symmetric', [64, 64], 'rgb']);
    assert.ok(Object.values(results.points).some((table) => typeof table['0.5']?.loss === 'number'), 'the point at 0.5 is measured');
  });
});
