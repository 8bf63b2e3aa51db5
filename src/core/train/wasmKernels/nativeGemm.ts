/**
 * Matrix products for the training kernels on ONNX Runtime's CPU GEMM (MLAS), called
 * synchronously on views of the wasm heap.
 *
 * Why: the wasm backend's own product (XNNPACK, 128-bit SIMD without fused multiply-add)
 * runs at about 15 GMAC/s on one core here, and the products of a MobileNetV1 training step
 * alone (about 4.1 GMAC for a batch of 128) would then take longer than PyTorch's whole step.
 * onnxruntime-node, already the project's evaluation engine, ships MLAS, whose AVX2/AVX-512
 * kernels run the same products at 30-85 GMAC/s on one thread.
 *
 * How: TF.js kernels must return synchronously, and onnxruntime-node's public `run` is
 * asynchronous. Its native binding (`onnxruntime-node/dist/binding`, what the public session
 * wraps) runs synchronously, takes input tensors that are views of any ArrayBuffer (the wasm
 * heap included) without copying, and writes into output tensors the caller preallocates.
 * That binding is not a public API, so it is loaded defensively and checked once on a small
 * product with a known answer; if anything about it differs, the kernels fall back to the
 * wasm backend's own product and `nativeGemmStatus()` says why.
 *
 * One Gemm session per transposition pair (A or Aᵀ, B or Bᵀ), with symbolic dimensions, so
 * every shape reuses them. One intra-op thread: the rest of a training step runs on one
 * thread too (JavaScript and the single-threaded wasm backend), and a single thread keeps
 * training off the cores other work of the user may need.
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { encodeOnnxGraph } from '../../eval/onnxGraph';
import { OnnxDataType } from '../../eval/onnxProto';

/** The parts of onnxruntime-node's native session that are used here. */
interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: Ort.InferenceSession.SessionOptions): void;
  run(feeds: Record<string, Ort.Tensor>, fetches: Record<string, Ort.Tensor>, options: Ort.InferenceSession.RunOptions): unknown;
}

interface BindingModule {
  readonly binding: { readonly InferenceSession: new () => BindingSession };
  readonly initOrt: () => void;
}

/** A row-major float32 matrix: its values and its [rows, cols]. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** out = op(a) * op(b), op transposing where asked; out must hold the product's rows x cols. */
export type GemmFunction = (a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Float32Array) => void;

const THREADS = 1;

let loaded: { gemm?: GemmFunction; status: string } | undefined;
let enabled = true;

function gemmModel(transA: boolean, transB: boolean): Uint8Array {
  const dims = (t: boolean, r: string, c: string): string[] => (t ? [c, r] : [r, c]);
  return encodeOnnxGraph({
    name: 'gemm',
    nodes: [
      {
        opType: 'Gemm',
        name: 'gemm',
        inputs: ['a', 'b'],
        outputs: ['y'],
        attributes: [
          { name: 'transA', kind: 'int', value: transA ? 1 : 0 },
          { name: 'transB', kind: 'int', value: transB ? 1 : 0 },
        ],
      },
    ],
    initializers: [],
    inputs: [
      { name: 'a', elemType: OnnxDataType.FLOAT, shape: dims(transA, 'm', 'k') },
      { name: 'b', elemType: OnnxDataType.FLOAT, shape: dims(transB, 'k', 'n') },
    ],
    outputs: [{ name: 'y', elemType: OnnxDataType.FLOAT, shape: ['m', 'n'] }],
  });
}

function load(): { gemm?: GemmFunction; status: string } {
  let ort: typeof Ort;
  let native: BindingModule;
  try {
    const req = createRequire(__filename);
    ort = req('onnxruntime-node') as typeof Ort;
    native = req('onnxruntime-node/dist/binding') as BindingModule;
    native.initOrt();
  } catch (e) {
    return { status: `wasm (onnxruntime-node did not load: ${(e as Error).message.split('\n')[0]})` };
  }
  const sessions = new Map<string, BindingSession>();
  const session = (transA: boolean, transB: boolean): BindingSession => {
    const key = `${transA ? 't' : 'n'}${transB ? 't' : 'n'}`;
    let s = sessions.get(key);
    if (s === undefined) {
      const model = gemmModel(transA, transB);
      s = new native.binding.InferenceSession();
      s.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
        intraOpNumThreads: THREADS,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'disabled',
      });
      sessions.set(key, s);
    }
    return s;
  };
  const gemm: GemmFunction = (a, transA, b, transB, out) => {
    const rows = transA ? a.cols : a.rows;
    const cols = transB ? b.rows : b.cols;
    const tensor = (m: Matrix): Ort.Tensor => new ort.Tensor('float32', m.data.length === m.rows * m.cols ? m.data : m.data.subarray(0, m.rows * m.cols), [m.rows, m.cols]);
    const y = new ort.Tensor('float32', out.length === rows * cols ? out : out.subarray(0, rows * cols), [rows, cols]);
    session(transA, transB).run({ a: tensor(a), b: tensor(b) }, { y }, {});
  };
  try {
    // A known product on each transposition the kernels use: the answer must land in `out`.
    const a: Matrix = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
    const expected = { nn: [22, 28, 49, 64], tn: [17, 22, 27, 22, 29, 36, 27, 36, 45], nt: [14, 32, 32, 77] };
    const b: Matrix = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
    const checks: [string, Matrix, boolean, Matrix, boolean][] = [
      ['nn', a, false, b, false],
      ['tn', a, true, a, false],
      ['nt', a, false, a, true],
    ];
    for (const [key, x, tx, z, tz] of checks) {
      const want = expected[key as keyof typeof expected];
      const out = new Float32Array(want.length);
      gemm(x, tx, z, tz, out);
      if (want.some((v, i) => out[i] !== v)) return { status: `wasm (ONNX Runtime's Gemm gave [${Array.from(out).join(', ')}] for a known product)` };
    }
  } catch (e) {
    return { status: `wasm (ONNX Runtime's Gemm failed: ${(e as Error).message.split('\n')[0]})` };
  }
  return { gemm, status: `ONNX Runtime (MLAS, ${THREADS} thread)` };
}

/** The native product when it is enabled and works, else undefined (use the backend's own). */
export function nativeGemm(): GemmFunction | undefined {
  if (!enabled) return undefined;
  loaded ??= load();
  return loaded.gemm;
}

/** Which product the training kernels use, and why when it is not the native one. */
export function nativeGemmStatus(): string {
  if (!enabled) return 'wasm (XNNPACK; native products turned off)';
  loaded ??= load();
  return loaded.status;
}

/** Turns the native products off (true turns them back on); for measurements and tests. */
export function useNativeGemm(on: boolean): void {
  enabled = on;
}
