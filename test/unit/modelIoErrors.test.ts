/**
 * loadModel refuses broken or hostile model files with a PruneLensError that names the
 * file, before allocating anything the file declares.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import { PruneLensError } from '../../src/core/util/errors';

interface ManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
}
type ModelJson = Record<string, unknown> & { weightsManifest: ManifestGroup[] };

let root = '';
let good = '';
let counter = 0;

before(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-io-bad-'));
  good = path.join(root, 'good');
  await saveModel(buildModel('vgg', { inputShape: [8, 8, 1], widthMultiplier: 0.25 }), good);
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

/** A fresh copy of the good model, with model.json passed through `edit`; returns its path. */
async function variant(edit: (json: ModelJson) => void = () => undefined): Promise<string> {
  const dir = path.join(root, `case${counter++}`);
  await fsp.cp(good, dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fsp.readFile(file, 'utf8')) as ModelJson;
  edit(json);
  await fsp.writeFile(file, JSON.stringify(json));
  return file;
}

function firstSpec(json: ModelJson): ManifestGroup['weights'][number] {
  const spec = json.weightsManifest[0]?.weights[0];
  assert.ok(spec !== undefined);
  return spec;
}

async function assertRefused(file: string, pattern: RegExp, namedFile = file): Promise<void> {
  await assert.rejects(loadModel(file), (err: unknown) => {
    assert.ok(err instanceof PruneLensError, `a PruneLensError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.file, namedFile);
    return true;
  });
}

describe('loadModel refuses bad files', () => {
  it('loads the unmodified copy (the fixture is sound)', async () => {
    const model = await loadModel(await variant());
    assert.equal(model.name, 'vgg');
  });

  it('a missing model.json', async () => {
    const file = path.join(root, 'nowhere', 'model.json');
    await assertRefused(file, /not found/);
  });

  it('a folder given instead of model.json', async () => {
    await assertRefused(good, /is a folder/);
  });

  it('text that is not JSON', async () => {
    const file = await variant();
    await fsp.writeFile(file, '{"modelTopology": ');
    await assertRefused(file, /not JSON/);
  });

  it('JSON without modelTopology', async () => {
    await assertRefused(await variant((j) => delete j['modelTopology']), /no modelTopology/);
  });

  it('a graph model', async () => {
    await assertRefused(await variant((j) => (j['format'] = 'graph-model')), /graph-model.*layers-model/);
  });

  it('weight paths that lead outside the folder', async () => {
    for (const bad of ['../good/weights.bin', '/etc/passwd', 'sub/../../x.bin', 'https://example.com/w.bin']) {
      const file = await variant((j) => (j.weightsManifest[0]!.paths = [bad]));
      await assertRefused(file, /outside the model's folder|is a URL/);
    }
  });

  it('a weights file that is a symlink to a file outside the folder', async () => {
    const file = await variant();
    const dir = path.dirname(file);
    const outside = path.join(root, 'outside.bin');
    await fsp.copyFile(path.join(dir, 'weights.bin'), outside);
    await fsp.rm(path.join(dir, 'weights.bin'));
    await fsp.symlink(outside, path.join(dir, 'weights.bin'));
    await assertRefused(file, /leads outside/, path.join(dir, 'weights.bin'));
  });

  it('a missing weights file', async () => {
    const file = await variant();
    const weights = path.join(path.dirname(file), 'weights.bin');
    await fsp.rm(weights);
    await assertRefused(file, /weights file not found/, weights);
  });

  it('a weights file shorter or longer than the manifest says', async () => {
    const short = await variant();
    const shortWeights = path.join(path.dirname(short), 'weights.bin');
    await fsp.truncate(shortWeights, 100);
    await assertRefused(short, /shorter than the manifest.*100 bytes/, shortWeights);

    const long = await variant();
    const longWeights = path.join(path.dirname(long), 'weights.bin');
    await fsp.appendFile(longWeights, Buffer.alloc(8));
    await assertRefused(long, /longer than the manifest/, longWeights);
  });

  it('an absurd declared shape, before allocating it', async () => {
    await assertRefused(
      await variant((j) => (firstSpec(j).shape = [1_000_000, 1_000_000, 1_000_000])),
      /more than 268435456 elements; refused/,
    );
    await assertRefused(await variant((j) => (firstSpec(j).shape = [3, -1])), /non-negative integers/);
    await assertRefused(await variant((j) => (firstSpec(j).shape = [3, 1.5])), /non-negative integers/);
  });

  it('an unsupported dtype, an unknown quantization, or a quantization without scale and min', async () => {
    await assertRefused(await variant((j) => (firstSpec(j).dtype = 'complex64')), /unsupported dtype "complex64"/);
    await assertRefused(await variant((j) => Object.assign(firstSpec(j), { quantization: { dtype: 'int4' } })), /supported: uint8, uint16, float16/);
    await assertRefused(await variant((j) => Object.assign(firstSpec(j), { quantization: { dtype: 'uint8' } })), /uint8-quantized without a finite scale and min/);
    // Quantized weights take fewer bytes: a float32 weights file no longer fits the manifest.
    const shorter = await variant((j) => (firstSpec(j).quantization = { dtype: 'uint8', scale: 1, min: 0 }));
    await assertRefused(shorter, /longer than the manifest/, path.join(path.dirname(shorter), 'weights.bin'));
  });

  it('a weight name the topology does not have', async () => {
    const file = await variant((j) => (firstSpec(j).name = 'renamed/kernel'));
    await assertRefused(file, /could not build the model/);
  });
});
