/**
 * The cost model behind the shard plan (shardCost.ts): a group's point costs the MACs of
 * every layer downstream of its mask points, following branches, and the plan weighs each
 * group by the ratios still to measure.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { summarizeModel } from '../../src/core/models/summary';
import { buildModel } from '../../src/core/models/zoo';
import { buildDependencyGraph } from '../../src/core/pruning';
import { downstreamMacsOf, planItems } from '../../src/core/sensitivity/shardCost';
import { handResults, tinyResidualModel } from './sensitivityFixtures';

before(async () => {
  await tf.setBackend('cpu');
});

function macsOf(model: tf.LayersModel): Map<string, number> {
  return new Map(summarizeModel(model, { onlyConv: true }).layers.map((l) => [l.name, l.macs]));
}

test('through a residual block: the add and everything after it, not the branch before the mask', () => {
  const model = tinyResidualModel();
  const graph = buildDependencyGraph(model);
  const macs = macsOf(model);
  const m = (name: string): number => macs.get(name) ?? NaN;
  const down = downstreamMacsOf(model, graph.groups);
  // a's channels are read by b only; stem's by a and (through the add) by nothing else with MACs but fc.
  assert.equal(down.get('a_weights'), m('b') + m('fc'));
  assert.equal(down.get('stem_weights'), m('a') + m('b') + m('fc'));
});

test('along a chain, a point of an early group costs the rest of the network, of the last group only the classifier', () => {
  const model = buildModel('mobilenetV1', { widthMultiplier: 0.25 });
  const graph = buildDependencyGraph(model);
  const macs = macsOf(model);
  const sep = graph.groups.filter((g) => g.id.endsWith('_sep_weights'));
  const down = downstreamMacsOf(model, sep);
  const layers = model.layers.map((l) => l.name);
  for (const g of sep) {
    // In a chain, downstream is every layer after the last mask point.
    const last = Math.max(...g.maskAfter.map((l) => layers.indexOf(l)));
    const after = layers.slice(last + 1).reduce((n, l) => n + (macs.get(l) ?? 0), 0);
    assert.equal(down.get(g.id), after, g.id);
  }
  const values = sep.map((g) => down.get(g.id) ?? NaN);
  assert.deepEqual(values, [...values].sort((a, b) => b - a));
  const classifier = model.layers.find((l) => l.getClassName() === 'Dense')?.name ?? '';
  assert.equal(values.at(-1), macs.get(classifier));
});

test('a group weighs its downstream MACs times the ratios not yet measured in the results file', () => {
  const model = tinyResidualModel();
  const graph = buildDependencyGraph(model);
  const prunable = graph.groups.filter((g) => g.prunable);
  const down = downstreamMacsOf(model, prunable);
  const existing = handResults({ a_weights: { 0.2: 0.1, 0.5: { skipped: 'early-stop', reason: 'r', finishedAt: 't' } }, stem_weights: { 0.2: 0.1, 0.5: 0.2 } });
  // a: 0.2 measured, 0.5 only skipped (a scan without early stop measures it), 0.7 new.
  assert.deepEqual(planItems(model, prunable, [0.2, 0.5, 0.7], existing), [
    { group: 'stem_weights', cost: (down.get('stem_weights') ?? NaN) * 1 },
    { group: 'a_weights', cost: (down.get('a_weights') ?? NaN) * 2 },
  ]);
  assert.deepEqual(
    planItems(model, prunable, [0.2, 0.5], undefined).map((i) => i.cost),
    prunable.map((g) => (down.get(g.id) ?? NaN) * 2),
  );
});
