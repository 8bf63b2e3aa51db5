/**
 * Helpers for the tests of ONNX models as PruneLens models (the handle, pruning, scans,
 * import): seeded NHWC images as a dataset, logits of a handle on ONNX Runtime, and seeded
 * ratios for every prunable group.
 */
import type { InMemoryDataset } from '../../src/core/data/dataset';
import type { ModelHandle } from '../../src/core/models/modelHandle';
import type { DependencyGraph } from '../../src/core/pruning/types';
import { seededFloats } from './onnxFixtureUtil';

/** `count` seeded images in [-1, 1) of the model's input size; labels cycle through the classes. */
export function seededDataset(model: ModelHandle, count: number, seed = 3): InMemoryDataset {
  const { height, width, channels, numClasses } = model.input();
  return {
    source: `seeded images (${seed})`,
    images: seededFloats(count * height * width * channels, seed),
    labels: Int32Array.from({ length: count }, (_, i) => i % numClasses),
    unlabeled: false,
    count,
    height,
    width,
    channels,
    numClasses,
  };
}

/** The logits a handle gives for NHWC images, on ONNX Runtime (or TF.js). */
export async function logitsOf(model: ModelHandle, images: Float32Array, n: number, engine: 'ort' | 'tfjs' = 'ort'): Promise<Float32Array> {
  const { predict, release } = await model.openPredictor(engine, { intraOpThreads: 1 });
  try {
    return await predict(images, n);
  } finally {
    await release();
  }
}

/** A seeded ratio in [0.2, 0.7) for every prunable group. */
export function seededRatios(graph: DependencyGraph, seed: number): Record<string, number> {
  const values = seededFloats(graph.groups.length, seed);
  const ratios: Record<string, number> = {};
  graph.groups.forEach((g, i) => {
    if (g.prunable) ratios[g.id] = Math.round((0.45 + 0.25 * (values[i] as number)) * 100) / 100;
  });
  return ratios;
}
