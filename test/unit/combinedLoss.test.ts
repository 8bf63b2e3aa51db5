/**
 * What the chosen ratios cost together, measured: `ratios --measure` evaluates every ratio
 * at once on the scan's data; `ratios --model-loss T` searches the per-layer threshold by
 * bisection until the measured loss of the whole pruned model is within T, and records each
 * evaluation; a prune from a results file can measure the pruned model the same way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pruneJob } from '../../src/core/jobs/pruneJob';
import { SILENT } from '../../src/core/jobs/context';
import type { RatiosFile } from '../../src/shared/ratiosFile';
import { runCli } from './cliHarness';
import { makeWorkspace, type Workspace } from './serverHarness';

let ws: Workspace;
let results = '';

before(async () => {
  ws = await makeWorkspace({ images: 96 });
  results = path.join(ws.root, 'sens.json');
  const scan = await runCli('sensitivity', ws.model, '--data', ws.data, '--metric', 'agreement', '--params', '_sep_weights', '--first', '4', '--ratios', '0.25,0.5,0.75', '--file', results, '--workers', '1');
  assert.equal(scan.code, 0, scan.err);
});

after(() => fs.rmSync(ws.root, { recursive: true, force: true }));

function ratiosFile(file: string): RatiosFile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RatiosFile;
}

test('--measure: the combined pruning, measured beside the per-layer budget', async () => {
  const out = path.join(ws.root, 'measured.json');
  const r = await runCli('ratios', results, '--loss', '0.1', '--measure', '-o', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /combined: agreement \d+\.\d+% \(unpruned 100\.00%\), loss \d+\.\d+%, measured with every ratio applied at once \(the per-layer budget is 10\.00%\)/);
  const m = ratiosFile(out).measured;
  assert.ok(m !== undefined);
  assert.equal(m.baseline, 1);
  assert.ok(Math.abs(m.chosen.loss - (1 - m.chosen.metric)) < 1e-12);
});

test('--model-loss: bisection on measured evaluations, the chosen one within the budget', async () => {
  const out = path.join(ws.root, 'whole.json');
  const r = await runCli('ratios', results, '--model-loss', '0.05', '-o', out);
  assert.equal(r.code, 0, r.err);
  const file = ratiosFile(out);
  const m = file.measured;
  assert.ok(m?.evaluations !== undefined && m.evaluations.length >= 2, 'the evaluations are recorded');
  assert.equal(m.modelLoss, 0.05);
  assert.ok(m.chosen.loss <= 0.05, `measured ${m.chosen.loss}`);
  assert.equal(m.chosen.threshold, file.loss);
  // The chosen threshold is the largest one measured within the budget.
  const within = m.evaluations.filter((e) => e.loss <= 0.05).map((e) => e.threshold);
  assert.equal(Math.max(...within), file.loss);
  assert.match(r.out, /within the whole-model budget of 5\.00%, at a per-layer threshold of/);
});

test('--model-loss that no threshold meets prunes nothing, and says so', async () => {
  // Every layer loses nothing alone (as on an easy validation set), yet all of them at 0.75 together do.
  const flat = path.join(ws.root, 'flat.json');
  const scanned = JSON.parse(fs.readFileSync(results, 'utf8')) as { metadata: { baseline: number }; points: Record<string, Record<string, { loss?: number; metric?: number }>> };
  for (const table of Object.values(scanned.points)) for (const p of Object.values(table)) if (p.loss !== undefined) Object.assign(p, { loss: 0, metric: scanned.metadata.baseline });
  fs.writeFileSync(flat, JSON.stringify(scanned));
  const out = path.join(ws.root, 'none.json');
  const r = await runCli('ratios', flat, '--model-loss', '0.001', '-o', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /no per-layer threshold keeps the pruned model within the whole-model budget of 0\.10%: even the layers that lose nothing alone, pruned together, lose \d+\.\d\d%; nothing is pruned/);
  const file = ratiosFile(out);
  assert.ok(Object.values(file.ratios).every((r) => r === 0), 'every ratio 0');
  assert.equal(file.flops?.after, file.flops?.before, 'no MACs removed');
  assert.deepEqual(file.measured?.chosen, { threshold: 0, metric: 1, loss: 0 });
});

test('a prune from a results file measures the pruned model when asked', async () => {
  const out = path.join(ws.root, 'pruned');
  const { result } = await pruneJob({ kind: 'prune', model: ws.model, ratios: { results, loss: 0.1 }, output: out, measure: true }, { env: {}, events: SILENT });
  assert.match(result.summary, /^pruned \d+ of \d+ groups: MACs .* -> .*; agreement \d+\.\d+% \(unpruned 100\.00%, loss \d+\.\d+%\), written to /);
  assert.equal(result.metrics?.['metricBefore'], 1);
});
