/**
 * The serialisable FLOPs model (src/shared/flops.ts) against the real thing: MACs and conv
 * and Dense weights estimated from per-layer data must equal those of the physically pruned
 * model, for residual adds, depthwise convs, concatenation and Flatten into Dense.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { summarizeModel } from '../../src/core/models/summary';
import { buildModel } from '../../src/core/models/zoo';
import { buildDependencyGraph, planPruning, pruneModel, prunedChannelCount as prunerCount } from '../../src/core/pruning';
import { buildFlopsModel } from '../../src/core/sensitivity/flopsModel';
import { seededRandom } from '../../src/core/data/batches';
import { countsParams, layerCostsAfterPruning, macsAfterPruning, prunedChannelCount } from '../../src/shared/flops';
import { tinyResidualModel } from './sensitivityFixtures';

before(async () => {
  await tf.setBackend('cpu');
});

/** conv -> [conv a | conv b] concat -> conv -> flatten -> dense (hidden) -> dense (logits). */
function concatModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2] });
  const conv = (name: string, filters: number, x: tf.SymbolicTensor, useBias = true): tf.SymbolicTensor =>
    tf.layers.conv2d({ name, filters, kernelSize: 3, padding: 'same', useBias, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const stem = conv('stem', 4, input);
  const joined = tf.layers.concatenate({ name: 'cat' }).apply([conv('left', 3, stem), conv('right', 5, stem, false)]) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(conv('mix', 6, joined)) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ name: 'hidden', units: 7, activation: 'relu' }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ name: 'concat', inputs: input, outputs: tf.layers.dense({ name: 'logits', units: 3 }).apply(hidden) as tf.SymbolicTensor });
}

const KERNEL_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

/** The weights the FLOPs model counts: every conv and Dense layer's kernel and bias. */
function kernelLayerParams(model: tf.LayersModel): number {
  return model.layers.filter((l) => KERNEL_CLASSES.has(l.getClassName())).reduce((n, l) => n + l.countParams(), 0);
}

function estimatedParams(flops: ReturnType<typeof buildFlopsModel>, ratios: Record<string, number>): number {
  return layerCostsAfterPruning(flops, ratios).reduce((n, l) => n + (l.params?.after ?? Number.NaN), 0);
}

/** Prunes every prunable group of `model` by a seeded random ratio and compares the MACs and weights. */
function checkEstimate(model: tf.LayersModel, seed: number): void {
  const graph = buildDependencyGraph(model);
  const flops = buildFlopsModel(model, graph);
  assert.equal(flops.totalMacs, summarizeModel(model).totalMacs, 'unpruned total');
  assert.ok(countsParams(flops));
  assert.equal(estimatedParams(flops, {}), kernelLayerParams(model), 'unpruned weights');
  const rand = seededRandom(seed);
  for (let trial = 0; trial < 2; trial++) {
    const ratios: Record<string, number> = {};
    for (const g of graph.groups) if (g.prunable) ratios[g.id] = Math.round(rand() * 80) / 100;
    const pruned = pruneModel(model, planPruning(model, graph, ratios));
    assert.equal(macsAfterPruning(flops, ratios), summarizeModel(pruned).totalMacs, `${model.name} with ${JSON.stringify(ratios)}`);
    assert.equal(estimatedParams(flops, ratios), kernelLayerParams(pruned), `weights of ${model.name} with ${JSON.stringify(ratios)}`);
    pruned.dispose();
  }
}

it('matches the pruned model exactly on a residual model, a concat + Flatten model and the zoo', () => {
  checkEstimate(tinyResidualModel(), 1);
  checkEstimate(concatModel(), 2);
  checkEstimate(buildModel('resnet20', { widthMultiplier: 0.5 }), 3);
  checkEstimate(buildModel('mobilenetV1', { widthMultiplier: 0.25 }), 4);
});

it("counts pruned channels exactly as the pruner does (round half to even, at most n - 1)", () => {
  assert.equal(prunedChannelCount(5, 0.5), 2);
  assert.equal(prunedChannelCount(7, 0.5), 4);
  assert.equal(prunedChannelCount(4, 0.99), 3);
  for (let n = 1; n <= 40; n++) {
    for (let r = 0; r < 1; r += 0.0125) {
      for (const k of [1, 4]) assert.equal(prunedChannelCount(n, r, k), prunerCount(n, r, k), `n ${n} ratio ${r} round-to ${k}`);
    }
  }
});
