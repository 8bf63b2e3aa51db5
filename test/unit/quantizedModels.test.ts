/**
 * Models whose weights are quantized as `tensorflowjs_converter --quantize_uint8 / uint16 /
 * float16` writes them are read exactly as stock TF.js reads them, and a pruned model can be
 * written back quantized the same way (--keep-quantization) or as float32 (the default).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from '../../src/core/models/io';
import type { QuantizationDtype } from '../../src/core/models/modelJson';
import { toFloat16 } from '../../src/core/models/quantize';
import { runCli } from './cliHarness';
import { randomImages, relativeDiff } from './onnxTestUtil';
import { logits } from './pruningTestModels';
import { mobileNetV3Like } from './realModels';

let root = '';
let model: tf.LayersModel;
let x: tf.Tensor4D;

before(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-quantized-'));
  model = mobileNetV3Like(8);
  x = tf.tensor4d(randomImages(4, 32 * 32 * 3, 9), [4, 32, 32, 3]);
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

/** Reads a saved model with only stock TF.js code paths (its own weight decoder included). */
async function loadWithStockTfjs(modelJson: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fsp.readFile(modelJson, 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const buffers = await Promise.all(manifest.flatMap((g) => g.paths.map((p) => fsp.readFile(path.join(path.dirname(modelJson), p)))));
    const joined = Buffer.concat(buffers);
    return [manifest.flatMap((g) => g.weights), joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)];
  });
  return tf.loadLayersModel({ load: async () => artifacts });
}

function everyWeight(m: tf.LayersModel, dtype: QuantizationDtype): Map<string, QuantizationDtype> {
  return new Map(m.weights.map((w) => [w.originalName, dtype]));
}

it('converts to IEEE half precision, rounding to nearest even', () => {
  // 2^-14 is the smallest normal half; just below it is the largest subnormal, 0x3ff.
  assert.deepEqual([1, -2, 0.1, 65504, 1e6, 1e-8, 2 ** -14, 6.1e-5, 2 ** -24, 0].map(toFloat16), [0x3c00, 0xc000, 0x2e66, 0x7bff, 0x7c00, 0, 0x0400, 0x03ff, 1, 0]);
});

describe('quantized weights', () => {
  const tolerance: Record<QuantizationDtype, number> = { uint8: 0.05, uint16: 1e-3, float16: 1e-2 };
  for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
    it(`${dtype}: read exactly as stock TF.js reads them, close to the float32 model`, async () => {
      const dir = path.join(root, dtype);
      const saved = await saveModel(model, dir, { quantization: everyWeight(model, dtype) });
      const manifest = JSON.parse(await fsp.readFile(saved.modelJson, 'utf8')) as tf.io.ModelJSON;
      assert.ok(manifest.weightsManifest[0]?.weights.every((w) => w.quantization?.dtype === dtype));
      const ours = await loadModel(saved.modelJson);
      const stock = await loadWithStockTfjs(saved.modelJson);
      assert.deepEqual(logits(ours, x), logits(stock, x));
      const rel = relativeDiff(logits(ours, x), logits(model, x));
      assert.ok(rel < tolerance[dtype], `${dtype} vs float32: ${rel}`);
    });
  }

  it('a pruned model is written float32 by default, or quantized like its source with --keep-quantization', async () => {
    const source = path.join(root, 'uint8');
    const plain = path.join(root, 'pruned-float32');
    const kept = path.join(root, 'pruned-uint8');
    for (const [out, extra] of [[plain, []], [kept, ['--keep-quantization']]] as const) {
      const r = await runCli('prune', source, '--ratio', 'b1_expand_weights=0.5', '--out', out, ...extra);
      assert.equal(r.code, 0, r.err);
    }
    const dtypes = async (dir: string): Promise<(string | undefined)[]> =>
      (JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON).weightsManifest.flatMap((g) => g.weights.map((w) => w.quantization?.dtype));
    assert.ok((await dtypes(plain)).every((d) => d === undefined));
    assert.ok((await dtypes(kept)).every((d) => d === 'uint8'));
    const stock = await loadWithStockTfjs(path.join(kept, 'model.json'));
    const ours = await loadModel(path.join(kept, 'model.json'));
    assert.deepEqual(logits(ours, x), logits(stock, x));
    assert.ok(relativeDiff(logits(ours, x), logits(await loadModel(path.join(plain, 'model.json')), x)) < 0.05);
  });
});
