/**
 * An open model, whatever format it came in: everything the jobs (src/core/jobs) need from
 * a model, so that a scan, a plan, a pruned model, a fine-tune or an evaluation is written
 * once and works on TF.js Layers models (tfjsModel.ts, with the existing TF.js code) and on
 * ONNX models (src/core/onnx/onnxModel.ts, natively on the ONNX graph). A pruned or
 * fine-tuned model is written back in the format it came in.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Predictor } from '../eval/evaluate';
import type { OrtSessionOptions } from '../eval/ortSession';
import type { Trunk } from '../fast/trunk';
import type { ModelGraph } from '../graph/modelGraph';
import type { DependencyGraph, PrunePlan, WeightReader } from '../pruning/types';
import type { PrunedModelInfo } from '../pruning/planFile';
import type { WrittenPrunedModel } from '../pruning/writePruned';
import type { ParamInfo } from './naming';
import type { ModelSummary, SummaryOptions } from './summary';

export type ModelFormat = 'tfjs' | 'onnx';

/** The image size a model takes (one image, channels last) and the classes it predicts. */
export interface ModelInputSize {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
}

/** A predictor and the resources behind it. */
export interface OpenPredictor {
  readonly predict: Predictor;
  release(): Promise<void>;
}

/** A model written to a folder in its own format. */
export interface SavedModel {
  /** The model file: model.json, or the .onnx file. */
  readonly file: string;
  /** Every file written (the model file first). */
  readonly files: readonly string[];
}

/** A TF.js model to train, and the way back to the handle's format once it is trained. */
export interface TrainableModel {
  readonly model: tf.LayersModel;
  /** A handle of the original format holding the trained weights. */
  back(trained: tf.LayersModel): ModelHandle;
}

export interface ModelHandle extends WeightReader {
  readonly format: ModelFormat;
  readonly name: string;
  /** The file the model was read from (model.json or .onnx); undefined for a model built in memory. */
  readonly file: string | undefined;
  /** Calls, tensors and named weights; computed once. */
  graph(): ModelGraph;
  /** The channel groups; computed once. */
  dependencyGraph(): DependencyGraph;
  /** Every weight with its parameter name, in network order. */
  params(): readonly ParamInfo[];
  /** sha256 over what determines the model's outputs (results files record it). */
  fingerprint(): string;
  /** Per-layer shapes, parameters and MACs, counted as PaddleSlim's flops() counts them. */
  summary(opts?: SummaryOptions): ModelSummary;
  input(): ModelInputSize;
  /** Why ONNX Runtime cannot run the model (a TF.js layer the export cannot convert), or undefined. */
  onnxProblem(): string | undefined;
  /** The model as one ONNX graph taking NHWC images, with the values a mask can go after (the fast engine's trunk). */
  evalGraph(): Trunk;
  /** The whole model as ONNX bytes taking NHWC images (what a group measured on the pruned model evaluates). */
  evaluationOnnx(): Uint8Array;
  /** Logits for NHWC images, on ONNX Runtime (`ort`) or TF.js. */
  openPredictor(engine: 'ort' | 'tfjs', opts?: OrtSessionOptions): Promise<OpenPredictor>;
  /** A model of the same shapes that computes what `prune(plan)` computes (the per-point scan's model). */
  mask(plan: PrunePlan): ModelHandle;
  /** A new model with the plan's channels removed; this one is not changed. */
  prune(plan: PrunePlan): ModelHandle;
  /**
   * Writes this (pruned) model and the plan that made it into `dir`, all or nothing. With
   * `keepQuantization`, weights the source stored quantized (TF.js) are stored so again;
   * with `overwrite`, a folder that has files is written into (its model files replaced).
   */
  writePruned(dir: string, plan: PrunePlan, info: PrunedModelInfo, opts?: { readonly keepQuantization?: boolean; readonly overwrite?: boolean }): Promise<WrittenPrunedModel>;
  /** Writes the model into the folder `dir` in its own format. */
  save(dir: string): Promise<SavedModel>;
  /** A TF.js model holding this one, for training. */
  trainable(): Promise<TrainableModel>;
  /** Frees what the model holds (TF.js tensors). */
  dispose(): void;
}

export function isModelHandle(x: unknown): x is ModelHandle {
  return typeof x === 'object' && x !== null && typeof (x as ModelHandle).dependencyGraph === 'function' && typeof (x as ModelHandle).evalGraph === 'function';
}
