/**
 * A TF.js Layers model as a ModelHandle: every facet is the existing TF.js code (naming,
 * the MAC summary, the exporter, the pruner and masker, saving), so what jobs do with a
 * TF.js model through a handle is exactly what they did with the model itself.
 */
import type * as tf from '@tensorflow/tfjs';
import { modelInputOf } from '../data/load';
import { tfjsPredictor } from '../eval/evaluate';
import { exportToOnnx, onnxExportProblem } from '../eval/onnxExport';
import { createOrtEvaluator } from '../eval/ortSession';
import { exportTrunk, type Trunk } from '../fast/trunk';
import { graphOfTfjs } from '../graph/fromTfjs';
import type { ModelGraph } from '../graph/modelGraph';
import { dependencyGraphOf } from '../pruning/dependencyGraph';
import { weightReaderOf } from '../pruning/importance';
import { maskModel } from '../pruning/maskModel';
import { pruneModel } from '../pruning/pruneModel';
import type { DependencyGraph } from '../pruning/types';
import { writePrunedModel } from '../pruning/writePruned';
import { modelFingerprint } from './fingerprint';
import { saveModel, sourceQuantization } from './io';
import type { ModelHandle } from './modelHandle';
import { listParams, type ParamInfo } from './naming';
import { summarizeModel } from './summary';

/**
 * `model` as a handle; `file` is the model.json it was read from, if any. A pruned model's
 * handle remembers its source (`prunedFrom`), whose quantization it can be written with.
 */
export function tfjsModel(model: tf.LayersModel, file?: string, prunedFrom?: tf.LayersModel): ModelHandle & { readonly layersModel: tf.LayersModel } {
  let graph: ModelGraph | undefined;
  let dependencies: DependencyGraph | undefined;
  let params: ParamInfo[] | undefined;
  let trunk: Trunk | undefined;
  const weights = weightReaderOf(model);
  const handle: ModelHandle & { readonly layersModel: tf.LayersModel } = {
    format: 'tfjs',
    name: model.name,
    file,
    layersModel: model,
    graph: () => (graph ??= graphOfTfjs(model)),
    dependencyGraph: () => (dependencies ??= dependencyGraphOf(handle.graph())),
    params: () => (params ??= listParams(model)),
    weightValues: (layer, weight) => weights.weightValues(layer, weight),
    fingerprint: () => modelFingerprint(model),
    summary: (opts) => summarizeModel(model, opts),
    input: () => modelInputOf(model),
    onnxProblem: () => onnxExportProblem(model),
    evalGraph: () => (trunk ??= exportTrunk(model)),
    evaluationOnnx: () => exportToOnnx(model),
    async openPredictor(engine, opts = {}) {
      if (engine === 'tfjs') return { predict: tfjsPredictor(model), release: () => Promise.resolve() };
      const evaluator = await createOrtEvaluator(model, opts);
      return { predict: (x, n) => evaluator.run(x, n), release: () => evaluator.release() };
    },
    mask: (plan) => tfjsModel(maskModel(model, plan)),
    prune: (plan) => tfjsModel(pruneModel(model, plan), undefined, model),
    writePruned(dir, plan, info, opts = {}) {
      const quantization = opts.keepQuantization === true && prunedFrom !== undefined ? sourceQuantization(prunedFrom) : undefined;
      return writePrunedModel(dir, model, plan, info, { ...(quantization ? { quantization } : {}), overwrite: opts.overwrite === true });
    },
    async save(dir) {
      const saved = await saveModel(model, dir);
      return { file: saved.modelJson, files: [saved.modelJson, ...saved.weights] };
    },
    trainable: () => Promise.resolve({ model, back: (trained) => tfjsModel(trained) }),
    dispose: () => model.dispose(),
  };
  return handle;
}
