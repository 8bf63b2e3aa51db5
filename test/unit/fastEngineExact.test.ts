/**
 * The fast engine's points are exact: on trained models, every point's correct count
 * equals that of the physically pruned model evaluated whole on ONNX Runtime (a
 * difference is allowed only where the reference's two logits are a float tie), for
 * MobileNetV1 (depthwise groups, 1x1-pixel tail exported as Gemm) and ResNet-20 (residual
 * stages: one group masked after several layers, skip branches in the cut), in both
 * loop orders, with each group's upstream part chained from the previous group's cache or,
 * for the first group whose cut fits the budget, from the cut the baseline pass kept.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/core/backend';
import type { ImageDataset } from '../../src/core/data/dataset';
import { createFastEngine, type FastEngineOptions } from '../../src/core/fast/fastEngine';
import { groupCut } from '../../src/core/fast/groupParts';
import { tfjsModel } from '../../src/core/models/tfjsModel';
import type { PointOutcome } from '../../src/core/fast/groupEvaluation';
import { buildDependencyGraph, planPruning, type ChannelGroup } from '../../src/core/pruning';
import { differences, digits, reference, trainedModel } from './fastEngineFixtures';

const RATIOS = [0.2, 0.5, 0.8];

let mobilenet: tf.LayersModel;
let resnet: tf.LayersModel;
let mnist28: ImageDataset;
let mnist14: ImageDataset;

before(async () => {
  // Training needs the wasm backend's gradient kernels; the cpu backend is ~50x slower.
  await selectBackend({ prefer: 'wasm' });
  mobilenet = await trainedModel('mobilenetV1', { side: 28, width: 0.25, images: 2048 });
  resnet = await trainedModel('resnet20', { side: 14, width: 0.25, images: 1024 });
  mnist28 = digits('test', 400, 28);
  mnist14 = digits('test', 400, 14);
});

interface Scanned {
  readonly group: ChannelGroup;
  readonly ratio: number;
  readonly outcome: PointOutcome;
  readonly mode: string;
  readonly plan: ReturnType<typeof planPruning>;
}

/** Every ratio of `groups`, in the order a scan opens them, on the fast engine. */
async function scanFast(model: tf.LayersModel, data: ImageDataset, groups: readonly ChannelGroup[], opts: FastEngineOptions = {}, planned = false): Promise<{ baseline: PointOutcome; points: Scanned[] }> {
  const graph = buildDependencyGraph(model);
  const engine = await createFastEngine(model, data, { intraOpThreads: 1, batchSize: 96, ...opts });
  // As a scan does: the groups it will open, before the baseline (which may then seed one's cut).
  if (planned) engine.plan?.(groups);
  const baseline = await engine.baselineOutcome();
  const points: Scanned[] = [];
  for (const group of groups) {
    const planned = RATIOS.map((ratio) => ({ ratio, plan: planPruning(model, graph, { [group.id]: ratio }) }));
    const evaluation = await engine.openGroup(group, planned);
    for (const p of planned) points.push({ group, ratio: p.ratio, plan: p.plan, outcome: await evaluation.outcome(p), mode: evaluation.mode });
    await evaluation.close();
  }
  engine.release();
  return { baseline, points };
}

async function checkExact(model: tf.LayersModel, data: ImageDataset, groups: readonly ChannelGroup[], opts: FastEngineOptions = {}, planned = false): Promise<Scanned[]> {
  const { baseline, points } = await scanFast(model, data, groups, opts, planned);
  const unpruned = await reference(model, undefined, data);
  assert.equal(baseline.hits, unpruned.hits, 'baseline');
  assert.ok(unpruned.hits > 0.3 * data.count, `the model is trained (${unpruned.hits}/${data.count} correct)`);
  let ties = 0;
  for (const p of points) {
    const ref = await reference(model, p.plan, data);
    const diff = differences(p.outcome.predicted, ref);
    const where = `${p.group.id} at ${p.ratio} (${p.mode})`;
    assert.deepEqual(diff.real, [], `${where}: top-1 differs from the pruned model beyond float ties`);
    ties += diff.ties;
    if (diff.ties === 0) assert.equal(p.outcome.hits, ref.hits, where);
    else assert.ok(Math.abs(p.outcome.hits - ref.hits) <= diff.ties, where);
  }
  assert.ok(ties <= 2, `${ties} float ties over ${points.length} points`);
  return points;
}

function prunable(model: tf.LayersModel): ChannelGroup[] {
  return buildDependencyGraph(model).groups.filter((g) => g.prunable);
}

describe('fast engine vs the physically pruned model on ONNX Runtime (trained models)', () => {
  it('MobileNetV1: the stem, early, middle and 1x1-pixel groups, chained in network order', async () => {
    const ids = ['conv1_weights', 'conv2_2_sep_weights', 'conv4_1_sep_weights', 'conv5_5_sep_weights', 'conv5_6_sep_weights', 'conv6_sep_weights'];
    const groups = prunable(mobilenet).filter((g) => ids.includes(g.id));
    assert.equal(groups.length, ids.length);
    const points = await checkExact(mobilenet, mnist28, groups);
    assert.ok(points.every((p) => p.mode === 'cached'));
    assert.ok(points.some((p) => p.outcome.hits !== points[0]?.outcome.hits), 'pruning changes the counts');
  });

  it('the baseline pass seeds the first group whose cut fits the budget: it has no upstream pass, the groups before it stream, and every point is exact', async () => {
    const ids = ['conv1_weights', 'conv2_2_sep_weights', 'conv4_1_sep_weights', 'conv5_5_sep_weights', 'conv6_sep_weights'];
    const groups = prunable(mobilenet).filter((g) => ids.includes(g.id));
    const trunk = tfjsModel(mobilenet).evalGraph();
    const bytes = groups.map((g) => (groupCut(trunk, g).bytesPerImage as number) * mnist28.count);
    // A budget under the first two groups' cuts: they stream, and a later one is seeded.
    const cacheBytes = Math.min(bytes[0] as number, bytes[1] as number) - 1;
    const seededAt = bytes.findIndex((b) => b <= cacheBytes);
    assert.ok(seededAt >= 2, `cuts ${bytes.join(', ')} bytes`);
    const stages = new Set<string>();
    const points = await checkExact(mobilenet, mnist28, groups, { cacheBytes, onProgress: (e) => stages.add(e.stage) }, true);
    const seeded = groups[seededAt] as ChannelGroup;
    assert.ok(!stages.has(`upstream of ${seeded.id}`), `no upstream pass for ${seeded.id}: ${[...stages].join('; ')}`);
    const modes = (g: ChannelGroup): string[] => points.filter((p) => p.group === g).map((p) => p.mode);
    assert.deepEqual(modes(groups[0] as ChannelGroup), ['streamed', 'streamed', 'streamed']);
    assert.deepEqual(modes(seeded), ['cached', 'cached', 'cached']);
    // The group after the seeded one chains from its cache, as without seeding.
    const next = groups[seededAt + 1];
    if (next !== undefined && (bytes[seededAt + 1] as number) <= cacheBytes) assert.ok(stages.has(`upstream of ${next.id}`));
  });

  it('ResNet-20: residual stage groups and inner convs, cached and streamed orders', async () => {
    const all = prunable(resnet);
    const residual = all.filter((g) => g.maskAfter.length > 1);
    assert.ok(residual.length >= 2, 'the stages are groups masked after several layers');
    const groups = [...residual.slice(0, 2), ...all.filter((g) => g.maskAfter.length === 1).slice(0, 2)];
    const cached = await checkExact(resnet, mnist14, groups);
    // A zero budget streams every group: batch-outer, all ratios of a group at once.
    const streamed = await scanFast(resnet, mnist14, groups, { cacheBytes: 0 });
    assert.ok(streamed.points.every((p) => p.mode === 'streamed'));
    assert.deepEqual(
      streamed.points.map((p) => p.outcome.hits),
      cached.map((p) => p.outcome.hits),
    );
  });
});
