/**
 * Helpers for the ONNX import tests: the committed PyTorch fixtures (test/fixtures/onnx,
 * made by scripts/onnx-fixtures/make_fixtures.py) with their saved inputs and outputs, runs
 * on ONNX Runtime, the actual shape of every intermediate value as ONNX Runtime computes
 * it, and a small builder for hand-made graphs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel } from '../../src/core/onnx/writeOnnx';
import type { ShapeMap } from '../../src/core/onnx/shapeInference';
import type { OnnxDim, OnnxIrModel, OnnxIrNode, OnnxIrTensor, OnnxIrValue } from '../../src/core/onnx/types';

export const FIXTURE_DIR = path.resolve(__dirname, '..', 'fixtures', 'onnx');

interface SavedTensor {
  readonly name: string;
  readonly shape: number[];
  readonly data: number[];
}

export interface FixtureSpec {
  readonly name: string;
  readonly opset: number;
  readonly dynamicBatch: boolean;
  readonly batchNorm: 'folded' | 'kept';
  readonly batchNormNodes: number;
  readonly externalData: string | null;
  readonly ops: string[];
  readonly input: SavedTensor;
  readonly outputs: SavedTensor[];
}

export const FIXTURES: readonly string[] = (JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'manifest.json'), 'utf8')) as { fixtures: string[] }).fixtures;

export function fixturePath(name: string): string {
  return path.join(FIXTURE_DIR, `${name}.onnx`);
}

export function fixtureSpec(name: string): FixtureSpec {
  return JSON.parse(readFileSync(path.join(FIXTURE_DIR, `${name}.json`), 'utf8')) as FixtureSpec;
}

/** The saved test input as an ONNX Runtime feed. */
export function fixtureFeeds(spec: FixtureSpec): Record<string, ort.Tensor> {
  return { [spec.input.name]: new ort.Tensor('float32', Float32Array.from(spec.input.data), spec.input.shape) };
}

/** Runs a model (bytes, or a file path so ONNX Runtime finds external data) and returns all outputs. */
export async function runOrt(model: Uint8Array | string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Largest absolute difference relative to max(1, |expected|). */
export function maxRelativeDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'output sizes differ');
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e)));
  }
  return worst;
}

/**
 * The shape ONNX Runtime gives every node output, found by declaring each of them a graph
 * output (with no shape, so ONNX Runtime checks nothing) and running the model once.
 */
export async function ortValueShapes(model: OnnxIrModel, shapes: ShapeMap, feeds: Record<string, ort.Tensor>): Promise<Map<string, number[]>> {
  const declared = new Set(model.graph.outputs.map((o) => o.name));
  const extra: OnnxIrValue[] = model.graph.nodes
    .flatMap((n) => n.outputs)
    .filter((o) => o !== '' && !declared.has(o))
    .map((name) => ({ name, elemType: shapes.get(name)?.elemType ?? 1, shape: undefined }));
  const probe: OnnxIrModel = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
  const result = await runOrt(encodeOnnxModel(probe), feeds);
  return new Map(Object.entries(result).map(([name, t]) => [name, [...t.dims]]));
}

/** A symbolic shape with its symbols bound to sizes, for comparing with a run. */
export function bindShape(shape: readonly OnnxDim[], bindings: Readonly<Record<string, number>>): (number | string)[] {
  return shape.map((d) => (typeof d === 'number' ? d : (bindings[d] ?? d)));
}

/** A float32 initializer from values. */
export function floatInit(name: string, dims: number[], values?: number[]): OnnxIrTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dataType: 1, dims, data: Float32Array.from(values ?? Array.from({ length: n }, (_, i) => ((i * 7919) % 13) / 13 - 0.5)) };
}

/** An int64 initializer from values. */
export function intInit(name: string, values: number[], dims = [values.length]): OnnxIrTensor {
  return { name, dataType: 7, dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** A node with defaults for the fields hand-made graphs do not care about. */
export function node(opType: string, inputs: string[], outputs: string[], attributes: OnnxIrNode['attributes'] = [], name = outputs[0] ?? opType): OnnxIrNode {
  return { name, opType, domain: '', inputs, outputs, attributes };
}

/** A model around hand-made nodes: one float input, float outputs. */
export function handModel(opts: {
  nodes: OnnxIrNode[];
  initializers?: OnnxIrTensor[];
  inputs: { name: string; shape: OnnxDim[] }[];
  outputs: string[];
  opset?: number;
}): OnnxIrModel {
  return {
    file: undefined,
    irVersion: 8,
    opsetImports: [{ domain: '', version: opts.opset ?? 13 }],
    producerName: 'test',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    metadata: [],
    graph: {
      name: 'g',
      docString: '',
      nodes: opts.nodes,
      initializers: opts.initializers ?? [],
      inputs: opts.inputs.map((i) => ({ name: i.name, elemType: 1, shape: i.shape })),
      outputs: opts.outputs.map((name) => ({ name, elemType: 1, shape: undefined })),
    },
  };
}

/** Seeded float values in [-1, 1) for a feed. */
export function seededFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}
