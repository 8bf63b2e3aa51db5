/**
 * Training-mode BatchNormalization and ReLU layers through PruneLens's own wasm kernels
 * (wasmKernels/batchNormTraining.ts, wasmKernels/reluTraining.ts) instead of the ops
 * tf.layers composes them of.
 *
 * tf.layers offers no hook for this, so `fuseLayersForTraining` gives each such layer of a
 * model its own `call` for the duration of a training run and takes it away afterwards. The
 * replacement computes what the layer's own code computes (for BatchNormalization in
 * training mode: the output normalised with the batch's mean and biased variance, then the
 * same moving-average updates) and hands everything it does not cover (inference, other
 * backends, other configurations) to the layer's own `call`.
 *
 * A BatchNormalization whose output goes to a plain ReLU layer and nowhere else (every conv
 * block of the zoo's networks) also rectifies its output in the same pass; it marks the
 * tensors it rectified, and the ReLU passes those through at no cost (the kernel's
 * `rectified` attribute). Anything else reaching the ReLU is rectified by it as usual, and
 * since a ReLU is idempotent, passing a rectified tensor through is exact.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAINING } from './wasmKernels/batchNormTraining';
import { RELU_TRAINING } from './wasmKernels/reluTraining';
import { simdKernels } from './wasmKernels/simd/simdKernels';

type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

interface BatchNormConfig {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
}

interface BatchNormVariables {
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}

/** The layer's variables by their names ('<layer>/gamma', ...), or undefined if one is missing. */
function variablesOf(layer: tf.layers.Layer): BatchNormVariables | undefined {
  const find = (suffix: string): tf.LayerVariable | undefined => layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
  const [gamma, beta, movingMean, movingVariance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(find);
  if (!gamma || !beta || !movingMean || !movingVariance) return undefined;
  return { gamma, beta, movingMean, movingVariance };
}

/** The one float32 input of a single-input layer on the wasm backend, else undefined. */
function wasmInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  return x !== undefined && x.dtype === 'float32' && tf.getBackend() === 'wasm' ? x : undefined;
}

/** Outputs of fused BatchNorm + ReLU calls, which the ReLU layer after them passes through. */
const rectified = new WeakSet<tf.Tensor>();

function isPlainRelu(layer: tf.layers.Layer): boolean {
  if (layer.getClassName() !== 'ReLU') return false;
  const { maxValue } = layer.getConfig() as { maxValue?: number | null };
  return maxValue === undefined || maxValue === null;
}

/** Whether the layer's output goes to one plain ReLU layer of the same model and nowhere else. */
function feedsOnlyPlainRelu(layer: tf.layers.Layer, model: tf.LayersModel): boolean {
  if (!model.layers.includes(layer) || model.outputLayers.includes(layer)) return false;
  if (layer.inboundNodes.length !== 1 || layer.outboundNodes.length !== 1) return false;
  const next = layer.outboundNodes[0]!.outboundLayer;
  return isPlainRelu(next) && next.inboundNodes.length === 1 && model.layers.includes(next);
}

/** A BatchNormalization layer's training branch on the fused kernels, or undefined if not covered. */
function batchNormCall(layer: tf.layers.Layer, own: LayerCall, model: tf.LayersModel): LayerCall | undefined {
  const config = layer.getConfig() as unknown as BatchNormConfig;
  const vars = variablesOf(layer);
  if (!config.center || !config.scale || vars === undefined) return undefined;
  const relu = feedsOnlyPlainRelu(layer, model);
  return (inputs, kwargs) => {
    const x = wasmInput(inputs);
    const rank = x?.shape.length ?? 0;
    const channelsLast = config.axis === -1 || config.axis === rank - 1;
    if (kwargs['training'] !== true || x === undefined || !channelsLast || rank < 2) return own(inputs, kwargs);
    return tf.tidy(() => {
      const inputs = { x, gamma: vars.gamma.read(), beta: vars.beta.read(), movingMean: vars.movingMean.read(), movingVariance: vars.movingVariance.read() };
      const outputs = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { epsilon: config.epsilon, momentum: config.momentum, relu }) as tf.Tensor[];
      // The kernel computed the moving averages as tf.layers does (see batchNormTraining.ts).
      vars.movingMean.write(outputs[4]!);
      vars.movingVariance.write(outputs[5]!);
      if (relu) rectified.add(outputs[0]!);
      return outputs[0]!;
    });
  };
}

/**
 * A plain ReLU layer (no cap) in training: tensors a fused BatchNorm already rectified pass
 * through, others go through the kernel with the one-pass gradient. Undefined if capped.
 */
function reluCall(layer: tf.layers.Layer, own: LayerCall): LayerCall | undefined {
  if (!isPlainRelu(layer)) return undefined;
  return (inputs, kwargs) => {
    const x = wasmInput(inputs);
    if (kwargs['training'] !== true || x === undefined) return own(inputs, kwargs);
    return tf.engine().runKernel(RELU_TRAINING, { x }, { rectified: rectified.has(x) }) as tf.Tensor;
  };
}

type CallFactory = (layer: tf.layers.Layer, own: LayerCall, model: tf.LayersModel) => LayerCall | undefined;

const FUSED: Readonly<Record<string, { kernel: string; call: CallFactory }>> = {
  BatchNormalization: { kernel: BATCH_NORM_TRAINING, call: batchNormCall },
  ReLU: { kernel: RELU_TRAINING, call: reluCall },
};

/** The layers of a model, nested models included. */
function allLayers(layers: readonly tf.layers.Layer[]): tf.layers.Layer[] {
  return layers.flatMap((l) => {
    const inner = (l as unknown as { layers?: tf.layers.Layer[] }).layers;
    return Array.isArray(inner) ? allLayers(inner) : [l];
  });
}

/**
 * Makes the model's BatchNormalization and ReLU layers use the fused training kernels while
 * the current backend has them (the wasm backend, once registerWasmGradients ran, with
 * WebAssembly SIMD); layers configured otherwise (no scale or offset, a capped ReLU) keep
 * their own code. Returns the function that undoes it.
 */
export function fuseLayersForTraining(model: tf.LayersModel): () => void {
  // Without WebAssembly SIMD the kernels' JavaScript loops are slower than tf.layers' own ops.
  if (tf.getBackend() !== 'wasm' || simdKernels(tf.backend() as unknown as BackendWasm) === undefined) return () => undefined;
  const patched: tf.layers.Layer[] = [];
  for (const layer of allLayers(model.layers)) {
    const fused = FUSED[layer.getClassName()];
    if (fused === undefined || tf.getKernel(fused.kernel, tf.getBackend()) === undefined) continue;
    const call = fused.call(layer, layer.call.bind(layer) as LayerCall, model);
    if (call === undefined) continue;
    (layer as unknown as { call: LayerCall }).call = call;
    patched.push(layer);
  }
  // Deleting the own property uncovers the class's method again.
  return () => patched.forEach((layer) => Reflect.deleteProperty(layer, 'call'));
}
