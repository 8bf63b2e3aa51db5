/**
 * Pruning ONNX models natively: for every PyTorch fixture and seeded random ratios, the
 * pruned ONNX model's logits equal the masked original's (1e-4 relative, ONNX Runtime);
 * the written file keeps the source's interface, opset, node names and metadata; and the
 * plan's kept indices per initializer, applied to the source's initializers (as a user
 * applies them to a state_dict), give the pruned file's weights.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openOnnxModel } from '../../src/core/onnx/onnxModel';
import { readOnnxFile } from '../../src/core/onnx/readOnnx';
import type { OnnxIrTensor } from '../../src/core/onnx/types';
import { compareSummaries, planPruning } from '../../src/core/pruning';
import type { PruningPlanFile } from '../../src/core/pruning/planFile';
import { FIXTURES, fixturePath, maxRelativeDiff, seededFloats } from './onnxFixtureUtil';
import { logitsOf, seededRatios } from './onnxModelUtil';

/** `values` of dims `dims` with only `kept` along `axis` (what a state_dict slice does). */
function select(t: OnnxIrTensor, axis: number, kept: readonly number[]): { dims: number[]; data: number[] } {
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = t.dims[axis] as number;
  const data: number[] = [];
  for (let i = 0; i < t.data.length; i++) if (kept.includes(Math.floor(i / inner) % size)) data.push(Number(t.data[i]));
  return { dims: t.dims.map((d, i) => (i === axis ? kept.length : d)), data };
}

for (const name of FIXTURES) {
  describe(`pruning ONNX fixture ${name}`, () => {
    it('the pruned model computes what the masked original computes, for seeded ratios', async () => {
      const model = await openOnnxModel(fixturePath(name));
      const { height, width, channels } = model.input();
      const x = seededFloats(3 * height * width * channels, 17);
      for (const seed of [1, 2]) {
        const graph = model.dependencyGraph();
        const plan = planPruning(model, graph, seededRatios(graph, seed));
        const pruned = model.prune(plan);
        const diff = maxRelativeDiff(await logitsOf(pruned, x, 3), await logitsOf(model.mask(plan), x, 3));
        assert.ok(diff < 1e-4, `seed ${seed}: pruned and masked differ by ${diff}`);
        assert.ok(pruned.summary().totalMacs < model.summary().totalMacs);
      }
    });

    it('writes a file with the source interface, opset, node names and metadata, and the kept indices per initializer', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'prunelens-onnx-prune-'));
      try {
        const model = await openOnnxModel(fixturePath(name));
        const graph = model.dependencyGraph();
        const plan = planPruning(model, graph, seededRatios(graph, 3));
        const pruned = model.prune(plan);
        const flops = compareSummaries(model.summary(), pruned.summary());
        const written = await pruned.writePruned(path.join(dir, 'out'), plan, { source: fixturePath(name), sourceFingerprint: model.fingerprint(), flops });
        assert.equal(path.basename(written.modelJson), `${name}.onnx`);
        const source = await readOnnxFile(fixturePath(name));
        const file = await readOnnxFile(written.modelJson);
        assert.deepEqual(file.graph.inputs, source.graph.inputs);
        assert.deepEqual(
          file.graph.outputs.map((o) => [o.name, o.elemType, o.shape]),
          source.graph.outputs.map((o) => [o.name, o.elemType, o.shape]),
        );
        assert.deepEqual(file.opsetImports, source.opsetImports);
        assert.deepEqual([file.producerName, file.producerVersion, file.metadata], [source.producerName, source.producerVersion, source.metadata]);
        const sourceNodes = new Set(source.graph.nodes.map((n) => n.name));
        assert.ok(file.graph.nodes.every((n) => sourceNodes.has(n.name)), 'every node keeps its name');
        const planFile = JSON.parse(readFileSync(written.plan, 'utf8')) as PruningPlanFile;
        assert.ok(planFile.weights !== undefined && planFile.weights.length > 0);
        // Applying the plan to the source's weights, as docs/onnx.md does to a state_dict.
        const sourceInits = new Map(model.onnx.graph.initializers.map((t) => [t.name, t]));
        const fileInits = new Map(file.graph.initializers.map((t) => [t.name, t]));
        const byInit = new Map<string, { dims: number[]; data: number[] }>();
        for (const w of planFile.weights) {
          const before = byInit.get(w.initializer);
          const t = before === undefined ? (sourceInits.get(w.initializer) as OnnxIrTensor) : { ...(sourceInits.get(w.initializer) as OnnxIrTensor), dims: before.dims, data: Float32Array.from(before.data) };
          assert.equal(t.dims[w.axis], w.size, `${w.param} axis ${w.axis}`);
          byInit.set(w.initializer, select(t, w.axis, w.kept));
        }
        for (const [init, sliced] of byInit) {
          const got = fileInits.get(init);
          assert.deepEqual(got?.dims, sliced.dims, init);
          assert.deepEqual(Array.from(got?.data as Float32Array), sliced.data.map((v) => Math.fround(v)), init);
        }
        // The written file runs, and reopens as the pruned model.
        const reopened = await openOnnxModel(written.modelJson);
        assert.equal(reopened.fingerprint(), planFile.pruned.fingerprint);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('pruning a grouped conv', () => {
  it('lowers its group count with the groups it loses', async () => {
    const model = await openOnnxModel(fixturePath('plain_cnn'));
    const plan = planPruning(model, model.dependencyGraph(), { 'conv2.weight': 0.5 });
    const pruned = model.prune(plan);
    const conv3 = pruned.onnx.graph.nodes.find((n) => n.name === '/conv3/Conv');
    assert.deepEqual(conv3?.attributes.find((a) => a.name === 'group'), { name: 'group', kind: 'int', value: 1 });
    assert.deepEqual(pruned.onnx.graph.initializers.find((t) => t.name === 'conv3.weight')?.dims, [8, 8, 3, 3]);
  });
});
