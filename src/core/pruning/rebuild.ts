/**
 * Building a fresh model from an (edited) copy of another's configuration and filling in
 * its weights. Pruning and masking both return NEW models this way, so the model they were
 * given is never touched.
 */
import * as tf from '@tensorflow/tfjs';
import { layerClass } from '../layers/registry';
import { weightShapesOf } from '../models/layerShapes';
import { PruneLensError } from '../util/errors';

type Config = tf.serialization.ConfigDict;

/**
 * A deep copy of the model's configuration, safe to edit, with what TF.js's getConfig
 * leaves out put back (the registry's configFromWeights).
 */
export function modelConfig(model: tf.LayersModel): Config {
  const config = structuredClone(model.getConfig());
  for (const layer of model.layers) {
    const restore = layerClass(layer.getClassName())?.configFromWeights;
    if (restore !== undefined) Object.assign(layerConfig(config, layer.name), restore(weightShapesOf(layer)));
  }
  return config;
}

/** The configuration of layer `name` inside a copied model configuration. */
export function layerConfig(config: Config, name: string): Config {
  const layers = config['layers'];
  if (Array.isArray(layers)) {
    for (const entry of layers as Config[]) {
      const inner = entry['config'] as Config | undefined;
      if (inner?.['name'] === name) return inner;
    }
  }
  throw new PruneLensError(`layer '${name}' is not in the model's configuration`);
}

/**
 * A model built from `config` with the same class as `model`, its weights left at zero
 * (fast initialisation: copyWeights overwrites them), and the same user metadata.
 */
export function rebuildModel(model: tf.LayersModel, config: Config): tf.LayersModel {
  const fresh: tf.LayersModel =
    model instanceof tf.Sequential
      ? tf.Sequential.fromConfig<tf.Sequential>(tf.Sequential, config, {}, true)
      : tf.LayersModel.fromConfig<tf.LayersModel>(tf.LayersModel, config, {}, true);
  const metadata = model.getUserDefinedMetadata();
  if (metadata !== undefined) fresh.setUserDefinedMetadata(structuredClone(metadata));
  return fresh;
}

function shortName(variable: tf.LayerVariable): string {
  return variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
}

/**
 * Sets every layer of `target` to `source`'s weights passed through `transform`, which
 * gets the layer name, the weight's short name (`kernel`, `gamma`, ...) and its value, and
 * returns the value to set (undefined: an unchanged copy). Values are copied, never shared.
 */
export function copyWeights(
  source: tf.LayersModel,
  target: tf.LayersModel,
  transform: (layer: string, weight: string, value: tf.Tensor) => tf.Tensor | undefined,
): void {
  for (const layer of source.layers) {
    if (layer.weights.length === 0) continue;
    const into = target.getLayer(layer.name);
    tf.tidy(() => {
      const values = layer.getWeights().map((value, i) => {
        const variable = layer.weights[i] as tf.LayerVariable;
        return transform(layer.name, shortName(variable), value) ?? value.clone();
      });
      into.setWeights(values);
    });
  }
}
