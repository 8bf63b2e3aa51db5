/**
 * An ONNX model through the extension, as a PyTorch user would bring one: a MobileNetV2
 * exported by torch.onnx (the committed fixture test/fixtures/onnx/mobilenetv2_mnist.onnx,
 * copied into the workspace as onnx/model.onnx) is scanned, pruned at a loss budget into a
 * new folder, which holds an .onnx again with its pruning plan, and that model evaluated,
 * each a job started by `prunelens.startJob` and followed to its end.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { runJob } from './jobs';
import { workspaceRoot } from './workspace';

describe('ONNX model jobs', () => {
  it('scans an ONNX model, prunes it into a new .onnx and evaluates that', async () => {
    const root = workspaceRoot();
    const model = path.join(root, 'onnx', 'model.onnx');
    const file = path.join(root, 'onnx-sensitivity.json');
    await runJob({ kind: 'sensitivity', file, model, dataset: 'builtin', first: 2, ratios: [0.25, 0.5] });
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata: { model: { path: string } }; points: Record<string, Record<string, { loss?: number }>> };
    assert.equal(results.metadata.model.path, model);
    // The first two conv kernels may share a channel group (a conv and its depthwise): a row each group.
    const groups = Object.values(results.points);
    const measured = groups.flatMap((table) => Object.values(table)).filter((p) => typeof p.loss === 'number');
    assert.ok(groups.length >= 1 && measured.length === 2 * groups.length, `every group at both ratios: ${JSON.stringify(results.points)}`);

    const output = path.join(root, 'onnx-pruned');
    const pruned = await runJob({ kind: 'prune', model, output, ratios: { results: file, loss: 1 } });
    assert.match(pruned.result?.summary ?? '', /^pruned \d+ of \d+ groups?: MACs \S+ -> \S+/);
    assert.ok(fs.existsSync(path.join(output, 'model.onnx')), 'the pruned model is an .onnx with the source file name');
    assert.ok(fs.existsSync(path.join(output, 'pruning-plan.json')));

    const evaluated = await runJob({ kind: 'evaluate', model: path.join(output, 'model.onnx'), dataset: 'builtin', split: 'test' });
    assert.match(evaluated.result?.summary ?? '', /^top-1 \d+\.\d\d%, top-5 .* over \d+ test images$/);
  });
});
