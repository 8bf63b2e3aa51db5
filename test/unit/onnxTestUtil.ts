/**
 * Helpers for the ONNX export tests: seeded weights and images, and a parity check that
 * runs one model on TF.js (cpu backend) and on ONNX Runtime and compares the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../../src/core/data/batches';
import { createOrtSession } from '../../src/core/eval/ortSession';
import { exportToOnnx } from '../../src/core/eval/onnxExport';
import * as ort from 'onnxruntime-node';

export type Sym = tf.SymbolicTensor;

/** Applies a layer to one or more symbolic tensors (the functional API, typed). */
export function apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

function shortName(v: tf.LayerVariable): string {
  return v.originalName.split('/').pop() ?? v.originalName;
}

function uniform(n: number, lo: number, hi: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** Values a BatchNormalization weight may take without making the network degenerate. */
function bnValues(name: string, n: number, rand: () => number): Float32Array | undefined {
  if (name === 'moving_variance' || name === 'gamma') return uniform(n, 0.5, 1.5, rand);
  if (name === 'moving_mean' || name === 'beta') return uniform(n, -0.5, 0.5, rand);
  return undefined;
}

/** Sets BN statistics and affine parameters to seeded random values (so folding is exercised). */
export function randomizeBatchNorms(model: tf.LayersModel, seed: number): void {
  const rand = seededRandom(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(
      layer.weights.map((v) => {
        const shape = v.shape as number[];
        const values = bnValues(shortName(v), shape.reduce((a, b) => a * b, 1), rand);
        return values ? tf.tensor(values, shape) : v.read().clone();
      }),
    );
  }
}

/** Sets every weight to seeded random values with a fan-in scale that keeps activations O(1). */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rand = seededRandom(seed);
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    layer.setWeights(
      layer.weights.map((v) => {
        const shape = v.shape as number[];
        const n = shape.reduce((a, b) => a * b, 1);
        const name = shortName(v);
        const fanIn = name === 'depthwise_kernel' ? (shape[0] ?? 1) * (shape[1] ?? 1) : shape.slice(0, -1).reduce((a, b) => a * b, 1);
        const bound = name.endsWith('kernel') ? Math.sqrt(3 / fanIn) : 0.5;
        return tf.tensor(bnValues(name, n, rand) ?? uniform(n, -bound, bound, rand), shape);
      }),
    );
  }
}

export function randomImages(n: number, perImage: number, seed: number): Float32Array {
  return uniform(n * perImage, 0, 1, seededRandom(seed));
}

/** max|a - b| / max(max|b|, 1e-6): the logits' error relative to the reference's scale. */
export function relativeDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return Number.isNaN(diff) ? Infinity : diff / Math.max(scale, 1e-6);
}

export function argmaxRows(x: Float32Array, rows: number): number[] {
  const cols = x.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let k = 1; k < cols; k++) if ((x[r * cols + k] as number) > (x[r * cols + best] as number)) best = k;
    return best;
  });
}

export interface ParityResult {
  readonly onnx: Float32Array;
  readonly tfjs: Float32Array;
  readonly rel: number;
}

/** Runs `images` (n NHWC images) through TF.js and through the ONNX export. */
export async function parity(model: tf.LayersModel, images: Float32Array, n: number, opts: { foldBatchNorm?: boolean } = {}): Promise<ParityResult> {
  const shape = (model.inputs[0]?.shape.slice(1) ?? []) as number[];
  const session = await createOrtSession(exportToOnnx(model, opts), { intraOpThreads: 1 });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', images, [n, ...shape]) });
    const onnx = out['logits']?.data as Float32Array;
    const tfjs = tf.tidy(() => (model.predict(tf.tensor(images, [n, ...shape])) as tf.Tensor).dataSync() as Float32Array);
    return { onnx, tfjs, rel: relativeDiff(onnx, tfjs) };
  } finally {
    await session.release();
  }
}

/** Builds a functional model, seeds its weights, and checks parity on a few random images. */
export async function checkLayers(inputShape: number[], body: (x: Sym) => Sym, seed = 1, n = 3): Promise<ParityResult> {
  const input = tf.input({ shape: inputShape });
  const model = tf.model({ inputs: input, outputs: body(input) });
  randomizeWeights(model, seed);
  const per = inputShape.reduce((a, b) => a * b, 1);
  try {
    return await parity(model, randomImages(n, per, seed + 100), n);
  } finally {
    model.dispose();
  }
}
