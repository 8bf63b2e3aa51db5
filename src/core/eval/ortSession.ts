/**
 * ONNX Runtime sessions for evaluation. The model is exported to ONNX in memory and run by
 * onnxruntime-node, about ten times faster than TF.js on CPU. onnxruntime-node is a native
 * addon, so it is loaded on first use only: commands that never evaluate do not pay for it,
 * and a broken install surfaces as a PruneLensError rather than a crash at start-up.
 */
import type * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { PruneLensError } from '../util/errors';
import { buildOnnxGraph } from './onnxExport';

type OrtModule = typeof Ort;

let ortModule: Promise<OrtModule> | undefined;

/** Loads onnxruntime-node once per process. */
export function loadOnnxRuntime(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node')
    // A CommonJS module imported dynamically may arrive wrapped in `default`.
    .then((m) => ('InferenceSession' in m ? m : (m as { default: OrtModule }).default))
    .catch((e: unknown) => {
      ortModule = undefined;
      throw new PruneLensError(`could not load onnxruntime-node (the native ONNX Runtime addon): ${firstLine(e)}`);
    });
  return ortModule;
}

/**
 * The useful part of a native error: its first line, without ONNX Runtime's source
 * location ("/onnxruntime_src/...cc:136 fn(...) <condition> was false.") in front.
 */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
  const located = /^\/\S+:\d+ .*? was false\. (.+)$/.exec(line) ?? /^\/\S+:\d+ (.+)$/.exec(line);
  return (located?.[1] ?? line).replace(/\.$/, '');
}

export interface OrtSessionOptions {
  /** Execution providers in order of preference; default ['cpu']. */
  readonly providers?: readonly string[];
  /** Threads inside one operator; ONNX Runtime's default is one per physical core. */
  readonly intraOpThreads?: number;
  /**
   * Whether idle intra-op threads spin waiting for work (ONNX Runtime's default, true).
   * Spinning burns the core it waits on, so processes that share a machine should say false.
   */
  readonly allowSpinning?: boolean;
}

/** Why a provider the user asked for may fail, beyond ONNX Runtime's own message. */
function providerHint(provider: string, bundled: boolean | undefined): string {
  if (provider === 'cuda' && !bundled) {
    return ' The CUDA provider is not shipped inside onnxruntime-node; its installer downloads it, and this project skips that download (.npmrc: onnxruntime-node-install=skip). To use it, fetch it with network access on a machine with CUDA 12: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`.';
  }
  if (provider === 'webgpu') return ' WebGPU needs a GPU adapter that Dawn can open (Vulkan on Linux, D3D12 on Windows, Metal on macOS).';
  if (!bundled) return ` The ${provider} provider is not shipped inside onnxruntime-node.`;
  return '';
}

/** Creates an inference session, checking the requested providers first. */
export async function createOrtSession(onnx: Uint8Array, opts: OrtSessionOptions = {}): Promise<Ort.InferenceSession> {
  const ort = await loadOnnxRuntime();
  const providers = (opts.providers?.length ? opts.providers : ['cpu']).map((p) => p.trim().toLowerCase());
  const backends = ort.listSupportedBackends();
  const known = new Map(backends.map((b) => [b.name, b.bundled]));
  for (const p of providers) {
    if (!known.has(p)) {
      throw new PruneLensError(
        `ONNX Runtime execution provider "${p}" is not available in onnxruntime-node on ${process.platform}-${process.arch} ` +
          `(available: ${backends.map((b) => b.name).join(', ')})`,
      );
    }
  }
  const threads = opts.intraOpThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new PruneLensError(`ONNX Runtime thread count must be a positive integer, got ${threads}`);
  }
  try {
    return await ort.InferenceSession.create(onnx, {
      executionProviders: providers,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      ...(opts.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (e) {
    const hints = providers.map((p) => providerHint(p, known.get(p))).join('');
    throw new PruneLensError(`could not create an ONNX Runtime session with provider(s) ${providers.join(', ')}: ${firstLine(e)}.${hints}`);
  }
}

/** Runs a model's logits on ONNX Runtime; NHWC float32 images in, n x classes logits out. */
export interface OrtEvaluator {
  /** Image shape [H, W, C] the model takes. */
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly providers: readonly string[];
  run(images: Float32Array, n: number): Promise<Float32Array>;
  /** Frees the native session; the evaluator is unusable afterwards. */
  release(): Promise<void>;
}

export interface OrtEvaluatorOptions extends OrtSessionOptions {
  /** Fold BatchNormalization into convolutions (default true; only for debugging). */
  readonly foldBatchNorm?: boolean;
}

export async function createOrtEvaluator(model: tf.LayersModel, opts: OrtEvaluatorOptions = {}): Promise<OrtEvaluator> {
  const exported = buildOnnxGraph(model, { foldBatchNorm: opts.foldBatchNorm ?? true });
  const [, h, w, c] = exported.inputShape;
  const [, classes, ...rest] = exported.outputShape;
  if (exported.inputShape.length !== 4 || typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new PruneLensError(`evaluation needs a model with a static image input [H, W, C]; "${model.name}" takes [${exported.inputShape.slice(1).join(', ')}]`);
  }
  if (typeof classes !== 'number' || rest.length > 0) {
    throw new PruneLensError(`evaluation needs a model whose output is [batch, classes]; "${model.name}" gives [${exported.outputShape.join(', ')}]`);
  }
  return createGraphEvaluator({ bytes: exported.graph.toBytes(), inputName: exported.inputName, outputName: exported.outputName, imageShape: [h, w, c], numClasses: classes }, opts);
}

/** An ONNX graph that takes NHWC images and gives logits, ready to run (a model exported, or an ONNX model's evaluation graph). */
export interface EvaluationGraph {
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
}

/** An evaluator for a graph that already takes NHWC images. */
export async function createGraphEvaluator(graph: EvaluationGraph, opts: OrtSessionOptions = {}): Promise<OrtEvaluator> {
  const [h, w, c] = graph.imageShape;
  const classes = graph.numClasses;
  const ort = await loadOnnxRuntime();
  const session = await createOrtSession(graph.bytes, opts);
  const perImage = h * w * c;
  let released = false;
  return {
    imageShape: [h, w, c],
    numClasses: classes,
    providers: (opts.providers?.length ? opts.providers : ['cpu']).map((p) => p.trim().toLowerCase()),
    async run(images, n) {
      if (released) throw new PruneLensError('the ONNX Runtime evaluator was already released');
      if (!Number.isInteger(n) || n < 1 || images.length < n * perImage) {
        throw new PruneLensError(`expected ${n} images of ${h} x ${w} x ${c} (${n * perImage} values), got ${images.length} values`);
      }
      const input = new ort.Tensor('float32', images.length === n * perImage ? images : images.subarray(0, n * perImage), [n, h, w, c]);
      const result = await session.run({ [graph.inputName]: input });
      const logits = result[graph.outputName];
      if (!logits || !(logits.data instanceof Float32Array)) throw new PruneLensError('ONNX Runtime returned no float32 logits');
      return logits.data;
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
