/**
 * `prunelens flops` and `prunelens prune`: results, exit codes (0 ok, 1 failed, 2 bad
 * usage), clear errors, and no output folder left behind by a failed prune.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { runCli as run } from './cliHarness';
import { saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import type { PruningPlanFile } from '../../src/core/pruning';
import { reshapeModel } from './pruningTestModels';

let root = '';
let good = '';
let counter = 0;

before(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-prune-cli-'));
  good = path.join(root, 'good');
  await saveModel(buildModel('vgg', { inputShape: [8, 8, 1], widthMultiplier: 0.25 }), good);
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});


function freshOut(): string {
  return path.join(root, `out${counter++}`);
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/** A copy of the good saved model with its model.json or weights edited; returns the folder. */
async function brokenCopy(edit: (json: { weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] }, dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(root, `bad${counter++}`);
  await fsp.cp(good, dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fsp.readFile(file, 'utf8')) as Parameters<typeof edit>[0];
  await edit(json, dir);
  await fsp.writeFile(file, JSON.stringify(json));
  return dir;
}

/** Runs prune on `model` into a fresh folder and checks the exit code, message and that nothing was written. */
async function assertPruneFails(model: string, args: string[], code: number, pattern: RegExp): Promise<void> {
  const out = freshOut();
  const r = await run('prune', model, ...args, '--out', out);
  assert.equal(r.code, code, r.err);
  assert.match(r.err, pattern);
  assert.equal(await exists(out), false, 'no output folder left behind');
  assert.deepEqual((await fsp.readdir(root)).filter((n) => n.endsWith('.tmp')), [], 'no temporary folder left behind');
}

describe('prunelens flops', () => {
  it("prints PaddleSlim's MACs and params, per parameter with --detail", async () => {
    const r = await run('flops', 'zoo:mobilenetV1', '--json', '--detail');
    assert.equal(r.code, EXIT_OK);
    const json = JSON.parse(r.out) as { macs: number; params: number; layers: { param: string; macs: number }[] };
    assert.equal(json.macs, 10_896_832);
    assert.equal(json.params, 3_238_538);
    assert.equal(json.layers.find((l) => l.param === 'conv6_sep_weights')?.macs, 1024 * 1024);
    const text = await run('flops', 'zoo:mobilenetV1', '--detail');
    assert.match(text.out, /conv2_1_sep_weights\s+Conv2D\s+401408/);
    assert.match(text.out, /MACs per image: 10896832 \(conv and dense only\); params: 3238538/);
  });
});

describe('prunelens prune', () => {
  it('prunes with --ratio and writes the model and plan (exit 0)', async () => {
    const out = freshOut();
    const r = await run('prune', 'zoo:mobilenetV1', '--ratio', 'conv2_1_sep_weights=0.5', '--ratio', 'conv6_sep_weights=0.25', '--round-to', '8', '--out', out);
    assert.equal(r.code, EXIT_OK, r.err);
    assert.match(r.out, /conv2_1_sep_weights \(\+1 coupled: conv2_2_dw_weights\): 64 -> 32 channels/);
    assert.match(r.out, /total MACs 10896832 -> \d+/);
    const plan = JSON.parse(await fsp.readFile(path.join(out, 'pruning-plan.json'), 'utf8')) as PruningPlanFile;
    assert.equal(plan.roundTo, 8);
    assert.deepEqual(
      plan.groups.map((g) => g.keptChannels),
      [32, 768],
    );
  });

  it('reads --ratios FILE as {param: ratio} or {"ratios": {...}}', async () => {
    const flat = path.join(root, 'flat.json');
    const wrapped = path.join(root, 'wrapped.json');
    await fsp.writeFile(flat, JSON.stringify({ conv1_1_weights: 0.5 }));
    await fsp.writeFile(wrapped, JSON.stringify({ ratios: { conv1_1_weights: 0.5 }, loss: 0.02 }));
    for (const file of [flat, wrapped]) {
      const out = freshOut();
      const r = await run('prune', good, '--ratios', file, '--criterion', 'geometry_median', '--out', out);
      assert.equal(r.code, EXIT_OK, r.err);
      const plan = JSON.parse(await fsp.readFile(path.join(out, 'pruning-plan.json'), 'utf8')) as PruningPlanFile;
      assert.deepEqual([plan.criterion, plan.groups[0]?.keptChannels], ['geometry_median', 2]);
      // Recorded as results files record models: the absolute model.json path.
      assert.equal(plan.source.model, path.join(good, 'model.json'));
    }
  });

  it('bad usage exits 2: no ratios, both forms, no --out, a busy --out, a bad criterion', async () => {
    assert.equal((await run('prune', good, '--out', freshOut())).code, EXIT_USAGE);
    const file = path.join(root, 'r.json');
    await fsp.writeFile(file, '{"conv1_1_weights": 0.5}');
    assert.equal((await run('prune', good, '--ratios', file, '--ratio', 'conv1_1_weights=0.5', '--out', freshOut())).code, EXIT_USAGE);
    assert.equal((await run('prune', good, '--ratio', 'conv1_1_weights=0.5')).code, EXIT_USAGE);
    const busy = await run('prune', good, '--ratio', 'conv1_1_weights=0.5', '--out', good);
    assert.equal(busy.code, EXIT_USAGE);
    assert.match(busy.err, /not empty/);
    assert.equal((await run('prune', good, '--ratio', 'conv1_1_weights=0.5', '--criterion', 'taylor', '--out', freshOut())).code, EXIT_USAGE);
    // A results file where the ratios belong says how to take ratios from it.
    const results = path.join(root, 'sens.json');
    await fsp.writeFile(results, JSON.stringify({ format: 'prunelens-sensitivity', version: 1, metadata: {}, params: {}, points: {} }));
    const scan = await run('prune', good, '--ratios', results, '--out', freshOut());
    assert.equal(scan.code, EXIT_USAGE);
    assert.match(scan.err, new RegExp(`${results}: is a sensitivity results file, not ratios: take ratios from it first, e\\.g\\. prunelens ratios .*--loss 0\\.01 -o ratios\\.json`));
  });

  it('a ratio outside [0, 1) exits 2 and writes nothing', async () => {
    await assertPruneFails(good, ['--ratio', 'conv1_1_weights=1'], EXIT_USAGE, /ratio for 'conv1_1_weights' must be a number in \[0, 1\), got 1/);
    await assertPruneFails(good, ['--ratio', 'conv1_1_weights=-0.2'], EXIT_USAGE, /must be a number in \[0, 1\)/);
  });

  it('an unknown parameter exits 2 with the closest known names', async () => {
    await assertPruneFails(good, ['--ratio', 'conv1_1_weight=0.5'], EXIT_USAGE, /unknown parameter 'conv1_1_weight'.*closest known: conv1_1_weights/);
  });

  it('a layer class the pruner cannot see through exits 1 naming the layer and class', async () => {
    const dir = path.join(root, 'reshape');
    await saveModel(reshapeModel(), dir);
    await assertPruneFails(dir, ['--ratio', 'conv1_weights=0.5'], EXIT_FAILED, /cannot prune 'conv1_weights'.*'reshape1' \(Reshape\)/);
  });

  it('a weights manifest that points outside the model folder is refused (exit 1)', async () => {
    const dir = await brokenCopy(async (json) => {
      json.weightsManifest[0]!.paths = ['../good/weights.bin'];
    });
    await assertPruneFails(dir, ['--ratio', 'conv1_1_weights=0.5'], EXIT_FAILED, /outside the model's folder/);
  });

  it('a weights file shorter or longer than its manifest is refused before allocating (exit 1)', async () => {
    const short = await brokenCopy(async (_, dir) => fsp.truncate(path.join(dir, 'weights.bin'), 64));
    await assertPruneFails(short, ['--ratio', 'conv1_1_weights=0.5'], EXIT_FAILED, /shorter than the manifest/);
    const long = await brokenCopy(async (_, dir) => fsp.appendFile(path.join(dir, 'weights.bin'), Buffer.alloc(16)));
    await assertPruneFails(long, ['--ratio', 'conv1_1_weights=0.5'], EXIT_FAILED, /longer than the manifest/);
  });

  it('a declared weight shape too large to be real is refused before allocating (exit 1)', async () => {
    const dir = await brokenCopy(async (json) => {
      json.weightsManifest[0]!.weights[0]!.shape = [1_000_000, 1_000_000, 1_000_000];
    });
    await assertPruneFails(dir, ['--ratio', 'conv1_1_weights=0.5'], EXIT_FAILED, /more than 268435456 elements; refused/);
  });
});
