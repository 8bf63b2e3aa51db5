/**
 * The seed's workflow on an ONNX MobileNetV2 through the CLI, as docs/onnx.md runs it with
 * more images: train the exported model, scan it, choose ratios by loss, prune it, count
 * FLOPs before and after, fine-tune the pruned model, evaluate, and every model written is
 * ONNX with the source's input and output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readOnnxFile } from '../../src/core/onnx/readOnnx';
import type { PruningPlanFile } from '../../src/core/pruning';
import type { ModelFacts } from '../../src/shared/modelFacts';
import { runCli } from './cliHarness';
import { fixturePath } from './onnxFixtureUtil';

let root = '';

before(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'prunelens-onnx-workflow-'));
});

after(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<string> {
  const r = await runCli(...argv);
  assert.equal(r.code, 0, `prunelens ${argv.join(' ')}\n${r.err}\n${r.out}`);
  return r.out;
}

function top1(out: string): number {
  const m = /acc_top1: ([\d.]+)%/.exec(out);
  assert.ok(m, out);
  return Number(m[1]) / 100;
}

function macs(out: string): number {
  const m = /MACs per image: (\d+)/.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

describe('the workflow on an ONNX MobileNetV2', () => {
  it('trains, scans, prunes, fine-tunes and evaluates, writing ONNX with the source interface', async () => {
    const source = fixturePath('mobilenetv2_mnist');
    const at = (p: string): string => path.join(root, p);
    // Small batches: many steps from few images (the fixture's weights are random).
    const trainData = ['--data', 'builtin', '--limit', '2000', '--seed', '1', '--batch-size', '32'];
    const testData = ['--data', 'builtin', '--limit', '600'];

    await cli('train', source, ...trainData, '--epochs', '1', '--out', at('trained'));
    const trained = at('trained/mobilenetv2_mnist.onnx');
    const trainedTop1 = top1(await cli('eval', trained, ...testData));
    assert.ok(trainedTop1 > 0.3, `trained: ${trainedTop1}`);

    const facts = JSON.parse(await cli('info', trained, '--json')) as ModelFacts;
    assert.equal(facts.format, 'onnx');
    assert.ok(facts.params.some((p) => p.name === 'features.2.conv.0.0.weight' && p.analysable));
    assert.ok(facts.groups.some((g) => g.prunable && g.params.includes('features.2.conv.1.0.weight')), 'the depthwise conv runs through its producer');

    await cli('sensitivity', trained, ...testData, '--ratios', '0.25,0.5', '--workers', '1', '--file', at('sens.json'));
    await cli('ratios', at('sens.json'), '--loss', '0.3', '-o', at('ratios.json'));
    await cli('prune', trained, '--ratios', at('ratios.json'), '--out', at('pruned'));
    const pruned = at('pruned/mobilenetv2_mnist.onnx');
    const before = macs(await cli('flops', trained));
    const afterPrune = macs(await cli('flops', pruned));
    assert.ok(afterPrune < before, `MACs ${before} -> ${afterPrune}`);
    const plan = JSON.parse(await fsp.readFile(at('pruned/pruning-plan.json'), 'utf8')) as PruningPlanFile;
    assert.ok(plan.weights?.some((w) => w.param.startsWith('features.') && w.kept.length < w.size));
    assert.equal(plan.flops.after, afterPrune);

    const prunedTop1 = top1(await cli('eval', pruned, ...testData));
    await cli('train', pruned, ...trainData.slice(0, 2), '--limit', '1000', '--seed', '2', '--batch-size', '32', '--epochs', '1', '--out', at('tuned'));
    const tuned = at('tuned/mobilenetv2_mnist.onnx');
    const tunedTop1 = top1(await cli('eval', tuned, ...testData));
    assert.ok(tunedTop1 > prunedTop1, `fine-tuning recovers accuracy: ${prunedTop1} -> ${tunedTop1}`);
    assert.equal(macs(await cli('flops', tuned)), afterPrune);

    const [original, written] = await Promise.all([readOnnxFile(source), readOnnxFile(tuned)]);
    assert.deepEqual(written.graph.inputs, original.graph.inputs);
    assert.deepEqual(written.graph.outputs.map((o) => [o.name, o.shape]), original.graph.outputs.map((o) => [o.name, o.shape]));
    assert.deepEqual(written.opsetImports, original.opsetImports);
  });
});
