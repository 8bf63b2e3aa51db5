/**
 * A TF.js Layers model (sequential or functional) as a ModelGraph: every call of every
 * layer that belongs to the model, producers before consumers, with the registry's entry
 * for its class and its weights named as src/core/models/naming.ts names them.
 */
import type * as tf from '@tensorflow/tfjs';
import { layerClass } from '../layers/registry';
import type { Shape } from '../layers/types';
import { listParams } from '../models/naming';
import type { GraphCall, GraphTensor, GraphWeight, ModelGraph } from './modelGraph';

type LayerNode = tf.layers.Layer['inboundNodes'][number];

function shapeList(shapes: tf.Shape | tf.Shape[]): Shape[] {
  return Array.isArray(shapes[0]) ? (shapes as tf.Shape[]) : [shapes as tf.Shape];
}

function tensorOf(t: tf.SymbolicTensor): GraphTensor {
  return { id: `t${t.id}`, shape: t.shape, producer: t.sourceLayer.name };
}

/**
 * Every call of every layer that belongs to this model. A functional model lists its own
 * calls in containerNodes (a layer may also be called in other models); a Sequential
 * model keeps that list in an inner model, and its layers are called once each.
 */
function ownCalls(model: tf.LayersModel): { layer: tf.layers.Layer; node: LayerNode }[] {
  const own = model.containerNodes;
  const calls: { layer: tf.layers.Layer; node: LayerNode }[] = [];
  for (const layer of model.layers) {
    if (layerClass(layer.getClassName())?.input === true) continue;
    layer.inboundNodes.forEach((node, index) => {
      if (own.size === 0 || own.has(`${layer.name}_ib-${index}`)) calls.push({ layer, node });
    });
  }
  return calls;
}

export function graphOfTfjs(model: tf.LayersModel): ModelGraph {
  const params = listParams(model);
  const weightsOf = new Map<string, GraphWeight[]>();
  for (const p of params) weightsOf.set(p.layerName, [...(weightsOf.get(p.layerName) ?? []), { weight: p.role, param: p.name, shape: p.shape }]);
  const known = new Set(model.inputs.map((t) => `t${t.id}`));
  const calls: GraphCall[] = [];
  // Repeated passes in layer order: a functional model's layers are already in topological
  // order, so one pass almost always does; a shared layer may need more.
  let pending = ownCalls(model);
  while (pending.length > 0) {
    const waiting = pending.filter(({ layer, node }) => {
      if (!node.inputTensors.every((t) => known.has(`t${t.id}`))) return true;
      const className = layer.getClassName();
      const inputShapes = shapeList(node.inputShapes);
      calls.push({
        name: layer.name,
        className,
        entry: layerClass(className),
        config: layer.getConfig() as Record<string, unknown>,
        inputs: node.inputTensors.map((t, i) => ({ ...tensorOf(t), shape: inputShapes[i] ?? t.shape })),
        outputs: node.outputTensors.map(tensorOf),
        weights: weightsOf.get(layer.name) ?? [],
      });
      for (const t of node.outputTensors) known.add(`t${t.id}`);
      return false;
    });
    if (waiting.length === pending.length) break; // the rest is not reachable from the inputs
    pending = waiting;
  }
  return { name: model.name, inputs: model.inputs.map(tensorOf), outputs: model.outputs.map(tensorOf), calls, paramOrder: params.map((p) => p.name) };
}
