/**
 * The machine's practical peak for this kind of work, measured the way the scan runs: a
 * large float32 matrix product on ONNX Runtime's CPU provider with the same thread count.
 * MAC/s of a scan are quoted against it.
 */
import { OnnxGraphBuilder } from '../src/core/eval/onnxGraph';
import { OnnxDataType } from '../src/core/eval/onnxProto';
import { createOrtSession, loadOnnxRuntime } from '../src/core/eval/ortSession';
import { median } from './stats';

export interface PeakResult {
  readonly size: number;
  readonly macsPerSecond: number;
  readonly runs: readonly number[];
}

/** Median MAC/s of an n x n by n x n MatMul over `repeats` runs (after one warm-up run). */
export async function matmulPeak(threads: number, n = 2048, repeats = 7): Promise<PeakResult> {
  const ort = await loadOnnxRuntime();
  const g = new OnnxGraphBuilder('peak');
  g.reserveName('c');
  g.addInput('a', OnnxDataType.FLOAT, [n, n]);
  const b = g.floatConst('b', [n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5));
  g.addOutput(g.op('MatMul', ['a', b], 'product'), 'c', OnnxDataType.FLOAT, [n, n]);
  const session = await createOrtSession(g.toBytes(), { intraOpThreads: threads });
  try {
    const a = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5), [n, n]);
    await session.run({ a });
    const runs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      await session.run({ a });
      runs.push((n * n * n) / ((performance.now() - start) / 1000));
    }
    return { size: n, macsPerSecond: median(runs), runs };
  } finally {
    await session.release();
  }
}

export { median };
