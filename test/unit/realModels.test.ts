/**
 * Models in the shapes of real Keras networks (MobileNetV3, Xception, an encoder-decoder,
 * ConvNeXt; see realModels.ts) go through everything a user does with them: every layer
 * class exports to ONNX with the logits TF.js gives; pruned and masked models agree; a
 * group whose channels reach a LayerNormalization is measured on the pruned model by the
 * fast engine; the pruned model, written, is what stock TF.js reads back.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../../src/core/data/batches';
import type { InMemoryDataset } from '../../src/core/data/dataset';
import { createFastEngine } from '../../src/core/fast/fastEngine';
import { saveModel } from '../../src/core/models/io';
import { buildDependencyGraph, maskModel, planPruning, pruneModel } from '../../src/core/pruning';
import { datasetMetric } from '../../src/core/sensitivity/metrics';
import { parity, randomImages, relativeDiff } from './onnxTestUtil';
import { logits, randomRatios } from './pruningTestModels';
import { REAL_MODELS } from './realModels';

const SHAPE = [32, 32, 3] as const;
const PER_IMAGE = SHAPE[0] * SHAPE[1] * SHAPE[2];

before(async () => {
  await tf.setBackend('cpu');
});

/** Reads a saved model with only stock TF.js code paths (no PruneLens loader). */
async function loadWithStockTfjs(modelJson: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fsp.readFile(modelJson, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const dir = path.dirname(modelJson);
  const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths.map((p) => fsp.readFile(path.join(dir, p)))));
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  return tf.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }) });
}

function imagesTensor(n: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(randomImages(n, PER_IMAGE, seed), [n, ...SHAPE]);
}

function dataset(n: number, seed: number, model: tf.LayersModel): InMemoryDataset {
  const x = imagesTensor(n, seed);
  const classes = (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
  x.dispose();
  const labels = Int32Array.from(classes, (c, i) => (i % 3 === 0 ? (c + 1) % 5 : c));
  return { source: 'random images', images: randomImages(n, PER_IMAGE, seed), labels, count: n, height: SHAPE[0], width: SHAPE[1], channels: SHAPE[2], numClasses: 5 };
}

for (const [name, build] of Object.entries(REAL_MODELS)) {
  describe(name, () => {
    it('exports to ONNX with the logits TF.js gives (within 1e-4)', async () => {
      const model = build(3);
      const { rel } = await parity(model, randomImages(4, PER_IMAGE, 11), 4);
      assert.ok(rel < 1e-4, `relative difference ${rel}`);
      model.dispose();
    });

    it('prunes exactly: pruned logits equal masked logits where a mask is exact, and stock TF.js reads the written model', async () => {
      const model = build(4);
      const graph = buildDependencyGraph(model);
      const exact = graph.groups.filter((g) => g.prunable && g.maskExact).map((g) => g.id);
      assert.ok(exact.length >= 2, 'several groups can be pruned');
      const plan = planPruning(model, graph, randomRatios(exact, seededRandom(21)));
      const x = imagesTensor(5, 12);
      const pruned = pruneModel(model, plan);
      const masked = maskModel(model, plan);
      const p = logits(pruned, x);
      assert.ok(relativeDiff(p, logits(masked, x)) < 1e-4, `pruned vs masked: ${relativeDiff(p, logits(masked, x))}`);
      assert.ok(pruned.countParams() < model.countParams());
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-real-'));
      try {
        const saved = await saveModel(pruned, dir);
        const stock = await loadWithStockTfjs(saved.modelJson);
        assert.deepEqual(logits(stock, x), p);
        stock.dispose();
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
      [x, pruned, masked, model].forEach((t) => t.dispose());
    });

    it('the fast engine measures every prunable group exactly (as the pruned model scores)', async () => {
      const model = build(5);
      const data = dataset(40, 13, model);
      const graph = buildDependencyGraph(model);
      const engine = await createFastEngine(model, data, { intraOpThreads: 1, batchSize: 16 });
      const reference = datasetMetric(model, data, { intraOpThreads: 1 });
      try {
        for (const group of graph.groups.filter((g) => g.prunable)) {
          const point = { ratio: 0.5, plan: planPruning(model, graph, { [group.id]: 0.5 }) };
          const evaluation = await engine.openGroup(group, [point]);
          const fast = await evaluation.metric(point);
          await evaluation.close();
          const pruned = pruneModel(model, point.plan);
          assert.equal(fast, await reference(pruned), `${group.id}${group.maskExact ? '' : ' (measured on the pruned model)'}`);
          pruned.dispose();
        }
      } finally {
        engine.release();
        model.dispose();
      }
    });
  });
}

it('a group reaching a LayerNormalization is marked: zeroing its channels is not removing them', () => {
  const model = REAL_MODELS['convNextLike']?.(1) as tf.LayersModel;
  const group = buildDependencyGraph(model).groups.find((g) => g.id === 'stem_weights');
  assert.equal(group?.prunable, true);
  assert.equal(group?.maskExact, false);
  assert.match(group?.maskNote ?? '', /layer 'stem_ln' \(LayerNormalization\) normalises over the channels/);
});
