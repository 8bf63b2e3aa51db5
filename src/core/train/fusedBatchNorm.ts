/**
 * Training-mode BatchNormalization through PruneLens's fused kernels (wasmKernels/
 * batchNormTraining.ts) instead of tf.layers' `moments` + `batchNorm` composition.
 *
 * tf.layers offers no hook for this, so `fuseBatchNormLayers` gives each BatchNormalization
 * layer of a model its own `call` for the duration of a training run and takes it away
 * afterwards. The replacement computes what the layer's own training branch computes (the
 * output normalised with the batch's mean and biased variance, then the same moving-average
 * updates) and hands inference, and anything it does not cover, to the layer's own `call`.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING } from './wasmKernels/batchNormTraining';

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

/** variable <- variable - (variable - value) * (1 - momentum), in the op order tf.layers uses. */
function movingAverage(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

/** BatchNormalization layers of a model, nested models included. */
function batchNormLayers(layers: readonly tf.layers.Layer[]): tf.layers.Layer[] {
  return layers.flatMap((l) => {
    if (l.getClassName() === 'BatchNormalization') return [l];
    const inner = (l as unknown as { layers?: tf.layers.Layer[] }).layers;
    return Array.isArray(inner) ? batchNormLayers(inner) : [];
  });
}

/**
 * Makes the model's BatchNormalization layers use the fused training kernels while the
 * current backend has them (the wasm backend, once registerWasmGradients ran). Layers
 * without a scale or offset keep their own code. Returns the function that undoes it.
 */
export function fuseBatchNormLayers(model: tf.LayersModel): () => void {
  if (tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) === undefined) return () => undefined;
  const patched: tf.layers.Layer[] = [];
  for (const layer of batchNormLayers(model.layers)) {
    const config = layer.getConfig() as unknown as BatchNormConfig;
    const vars = variablesOf(layer);
    if (!config.center || !config.scale || vars === undefined) continue;
    const own = layer.call.bind(layer) as LayerCall;
    const fused: LayerCall = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const rank = x?.shape.length ?? 0;
      const channelsLast = config.axis === -1 || config.axis === rank - 1;
      if (kwargs['training'] !== true || x === undefined || !channelsLast || rank < 2 || x.dtype !== 'float32' || tf.getBackend() !== 'wasm') {
        return own(inputs, kwargs);
      }
      return tf.tidy(() => {
        const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, gamma: vars.gamma.read(), beta: vars.beta.read() }, { epsilon: config.epsilon }) as tf.Tensor[];
        movingAverage(vars.movingMean, mean!, config.momentum);
        movingAverage(vars.movingVariance, variance!, config.momentum);
        return y!;
      });
    };
    (layer as unknown as { call: LayerCall }).call = fused;
    patched.push(layer);
  }
  // Deleting the own property uncovers the class's method again.
  return () => patched.forEach((layer) => Reflect.deleteProperty(layer, 'call'));
}
