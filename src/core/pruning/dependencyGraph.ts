/**
 * Builds the dependency graph of a TF.js Layers model (sequential or functional): walks
 * every layer call in topological order, applies the layer's rule (layerRules.ts) to the
 * channel layouts of its inputs, and records which weight axes follow which channels.
 * groups.ts then turns the coupled channels into ChannelGroups.
 */
import type * as tf from '@tensorflow/tfjs';
import { listParams, type ParamInfo } from '../models/naming';
import { ChannelUniverse, type Layout } from './channelUniverse';
import { assembleGraph, type Coupling, type LayerOutput, type RawMaskPoint } from './groups';
import { ruleFor, type RuleContext } from './layerRules';
import type { DependencyGraph, MemberRole } from './types';

type Shape = readonly (number | null)[];

type LayerNode = tf.layers.Layer['inboundNodes'][number];

interface LayerCall {
  readonly layer: tf.layers.Layer;
  readonly node: LayerNode;
}

function shapeList(shapes: tf.Shape | tf.Shape[]): Shape[] {
  return Array.isArray(shapes[0]) ? (shapes as tf.Shape[]) : [shapes as tf.Shape];
}

function lastDim(shape: Shape | undefined): number {
  return shape?.[shape.length - 1] ?? 0;
}

/**
 * Every call of every layer that belongs to this model. A functional model lists its own
 * calls in containerNodes (a layer may also be called in other models); a Sequential
 * model keeps that list in an inner model, and its layers are called once each.
 */
function layerCalls(model: tf.LayersModel): LayerCall[] {
  const own = model.containerNodes;
  const calls: LayerCall[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    layer.inboundNodes.forEach((node, index) => {
      if (own.size === 0 || own.has(`${layer.name}_ib-${index}`)) calls.push({ layer, node });
    });
  }
  return calls;
}

/** The layer-and-weight key couplings are stored under. */
function weightKey(layer: string, weight: string): string {
  return `${layer}/${weight}`;
}

class GraphBuilder {
  readonly universe = new ChannelUniverse();
  readonly layouts = new Map<number, Layout>();
  readonly couplings = new Map<string, Coupling>();
  readonly outputs: LayerOutput[] = [];
  readonly maskPoints = new Map<number, RawMaskPoint>();
  readonly bnAfter = new Map<string, string>();
  private readonly ownSpaces = new Map<string, Layout>();
  private readonly params = new Map<string, ParamInfo>();

  constructor(private readonly model: tf.LayersModel) {
    for (const p of listParams(model)) this.params.set(weightKey(p.layerName, p.role), p);
  }

  build(): void {
    for (const t of this.model.inputs) {
      const reason = `channels come from the model input '${t.sourceLayer.name}' (InputLayer)`;
      this.layouts.set(t.id, this.universe.newSpace(lastDim(t.shape), undefined, reason));
    }
    // Repeated passes in layer order: a functional model's layers are already in
    // topological order, so one pass almost always does; a shared layer may need more.
    let pending = layerCalls(this.model);
    while (pending.length > 0) {
      const waiting = pending.filter((call) => !this.tryCall(call));
      if (waiting.length === pending.length) break; // the rest is not reachable from the inputs
      pending = waiting;
    }
    for (const t of this.model.outputs) {
      const layout = this.layouts.get(t.id);
      const reason = `channels are the model's output, from layer '${t.sourceLayer.name}' (${t.sourceLayer.getClassName()})`;
      if (layout !== undefined) this.universe.block(layout, reason);
    }
  }

  private tryCall({ layer, node }: LayerCall): boolean {
    const inputs = node.inputTensors.map((t) => this.layouts.get(t.id));
    if (inputs.some((l) => l === undefined)) return false;
    const className = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const ctx = this.context(layer, className, config, inputs as Layout[], shapeList(node.inputShapes), shapeList(node.outputShapes));
    const rule = ruleFor(className, config);
    const outs = rule === undefined ? ctx.opaque() : rule(ctx);
    node.outputTensors.forEach((t, i) => {
      const layout = outs[i] ?? this.universe.newSpace(lastDim(t.shape), undefined, `no channel layout for layer '${layer.name}' (${className})`);
      this.layouts.set(t.id, layout);
      this.outputs.push({ layer: layer.name, layout });
    });
    if (className === 'BatchNormalization') {
      const source = node.inputTensors[0]?.sourceLayer;
      if (source !== undefined && !this.bnAfter.has(source.name)) this.bnAfter.set(source.name, layer.name);
    }
    return true;
  }

  private context(
    layer: tf.layers.Layer,
    className: string,
    config: Record<string, unknown>,
    inputs: Layout[],
    inputShapes: Shape[],
    outputShapes: Shape[],
  ): RuleContext {
    const universe = this.universe;
    const what = `layer '${layer.name}' (${className})`;
    const weightOf = (weight: string): tf.LayerVariable | undefined =>
      layer.weights.find((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1) === weight);
    return {
      layer,
      className,
      config,
      inputs,
      inputShapes,
      ownSpace: (size) => {
        let space = this.ownSpaces.get(layer.name);
        if (space === undefined) {
          space = universe.newSpace(size, layer.name);
          this.ownSpaces.set(layer.name, space);
        }
        return space;
      },
      weightShape: (weight) => weightOf(weight)?.shape.map((d) => d ?? 0),
      couple: (weight, axis, layout, role) => this.couple(layer, className, weight, axis, layout, role),
      union: (a, b) => universe.unionLayouts(a, b),
      block: (layout, reason) => universe.block(layout, reason),
      opaque: (why) => {
        const reason = `channels reach ${what}, which the pruner cannot see through${why === undefined ? '' : ` (${why})`}`;
        for (const input of inputs) universe.block(input, reason);
        return outputShapes.map((s) => universe.newSpace(lastDim(s), undefined, `channels come from ${what}, which the pruner cannot see through`));
      },
    };
  }

  private couple(layer: tf.layers.Layer, className: string, weight: string, axis: number, layout: Layout, role: MemberRole): void {
    const key = weightKey(layer.name, weight);
    const param = this.params.get(key);
    if (param === undefined) return; // e.g. a conv without bias
    const existing = this.couplings.get(`${key}#${axis}`);
    // A layer called twice uses one weight for both calls: their channels are one.
    if (existing !== undefined) this.universe.unionLayouts(existing.layout, layout);
    else this.couplings.set(`${key}#${axis}`, { param: param.name, layer: layer.name, layerClass: className, weight, axis, role, layout });
    if (role === 'in') this.noteMaskPoint(layer);
  }

  /** The tensor a consumer reads, taken before a Flatten so that channels are its last axis. */
  private noteMaskPoint(consumer: tf.layers.Layer): void {
    for (const node of consumer.inboundNodes) {
      let tensor = node.inputTensors[0];
      if (tensor?.sourceLayer.getClassName() === 'Flatten') {
        tensor = tensor.sourceLayer.inboundNodes[tensor.nodeIndex]?.inputTensors[0] ?? tensor;
      }
      const layout = tensor === undefined ? undefined : this.layouts.get(tensor.id);
      if (tensor !== undefined && layout !== undefined && !this.maskPoints.has(tensor.id)) {
        this.maskPoints.set(tensor.id, { layer: tensor.sourceLayer.name, layout });
      }
    }
  }
}

/**
 * The channel groups of `model` and how every weight axis follows them. Pure: reads the
 * model's structure, not its weight values, and never changes the model.
 */
export function buildDependencyGraph(model: tf.LayersModel): DependencyGraph {
  const builder = new GraphBuilder(model);
  builder.build();
  return assembleGraph(model, builder.universe, {
    couplings: [...builder.couplings.values()],
    outputs: builder.outputs,
    maskPoints: [...builder.maskPoints.values()],
    bnAfter: builder.bnAfter,
  });
}
