/**
 * Builds the dependency graph of a model: walks every layer call of its ModelGraph in
 * topological order, applies the channel rule of the layer's class (src/core/layers) to the
 * channel layouts of its inputs, and records which weight axes follow which channels.
 * groups.ts then turns the coupled channels into ChannelGroups.
 */
import type * as tf from '@tensorflow/tfjs';
import { graphOfTfjs } from '../graph/fromTfjs';
import { channelAxisOf, channelCountOf, type GraphCall, type GraphTensor, type ModelGraph } from '../graph/modelGraph';
import type { RuleContext } from '../layers/types';
import { ChannelUniverse, type Layout } from './channelUniverse';
import type { BatchNormAfter } from './graphInternals';
import { assembleGraph, type Coupling, type LayerOutput, type RawMaskPoint } from './groups';
import type { DependencyGraph, MemberRole } from './types';

/** The layer-and-weight key couplings are stored under. */
function weightKey(layer: string, weight: string): string {
  return `${layer}/${weight}`;
}

class GraphBuilder {
  readonly universe = new ChannelUniverse();
  readonly layouts = new Map<string, Layout>();
  readonly couplings = new Map<string, Coupling>();
  readonly outputs: LayerOutput[] = [];
  readonly maskPoints = new Map<string, RawMaskPoint>();
  readonly bnAfter = new Map<string, BatchNormAfter>();
  private readonly ownSpaces = new Map<string, Layout>();
  /** Parameter and axis -> the layout its first coupling gave it (a weight read by several calls). */
  private readonly paramLayouts = new Map<string, Layout>();
  /** Tensor id -> the call that produced it. */
  private readonly producers = new Map<string, GraphCall>();

  constructor(private readonly graph: ModelGraph) {}

  build(): void {
    for (const t of this.graph.inputs) {
      const reason = `channels come from the model input '${t.producer}' (InputLayer)`;
      this.layouts.set(t.id, this.universe.newSpace(channelCountOf(t), undefined, reason));
    }
    for (const call of this.graph.calls) this.apply(call);
    for (const t of this.graph.outputs) {
      const layout = this.layouts.get(t.id);
      const source = this.producers.get(t.id);
      const reason = `channels are the model's output, from layer '${t.producer}' (${source?.className ?? 'InputLayer'})`;
      if (layout !== undefined) this.universe.block(layout, reason);
    }
  }

  private apply(call: GraphCall): void {
    const inputs = call.inputs.map((t) => this.layouts.get(t.id));
    if (inputs.some((l) => l === undefined)) return;
    const ctx = this.context(call, inputs as Layout[]);
    // Channels-first layers have no rule: their channel axis is not the last one.
    const rule = call.config['dataFormat'] === 'channelsFirst' ? undefined : call.entry?.channels;
    const outs = rule === undefined ? ctx.opaque() : rule(ctx);
    call.outputs.forEach((t, i) => {
      const layout = outs[i] ?? this.universe.newSpace(channelCountOf(t), undefined, `no channel layout for layer '${call.name}' (${call.className})`);
      this.layouts.set(t.id, layout);
      this.producers.set(t.id, call);
      this.outputs.push({ layer: call.name, layout });
    });
    const normalizes = call.entry?.normalizes;
    if (normalizes !== undefined) {
      const source = call.inputs[0]?.producer;
      if (source !== undefined && !this.bnAfter.has(source)) this.bnAfter.set(source, { layer: call.name, scale: normalizes.scale });
    }
  }

  private context(call: GraphCall, inputs: Layout[]): RuleContext {
    const universe = this.universe;
    const what = `layer '${call.name}' (${call.className})`;
    return {
      name: call.name,
      className: call.className,
      config: call.config,
      inputs,
      inputShapes: call.inputs.map((t) => t.shape),
      channelAxes: call.inputs.map(channelAxisOf),
      outputShapes: call.outputs.map((t) => t.shape),
      ownSpace: (size) => {
        let space = this.ownSpaces.get(call.name);
        if (space === undefined) {
          space = universe.newSpace(size, call.name);
          this.ownSpaces.set(call.name, space);
        }
        return space;
      },
      weightShape: (weight) => call.weights.find((w) => w.weight === weight)?.shape,
      couple: (weight, axis, layout, role) => this.couple(call, weight, axis, layout, role),
      union: (a, b) => universe.unionLayouts(a, b),
      block: (layout, reason) => universe.block(layout, reason),
      unmaskable: (layout, reason) => universe.markUnmaskable(layout, reason),
      opaque: (why) => {
        const reason = `channels reach ${what}, which the pruner cannot see through${why === undefined ? '' : ` (${why})`}`;
        for (const input of inputs) universe.block(input, reason);
        return call.outputs.map((t) => universe.newSpace(channelCountOf(t), undefined, `channels come from ${what}, which the pruner cannot see through`));
      },
    };
  }

  private couple(call: GraphCall, weight: string, axis: number, layout: Layout, role: MemberRole): void {
    const param = call.weights.find((w) => w.weight === weight);
    if (param === undefined) return; // e.g. a conv without bias
    const key = weightKey(call.name, weight);
    const existing = this.couplings.get(`${key}#${axis}`);
    // A layer called twice uses one weight for both calls: their channels are one.
    if (existing !== undefined) this.universe.unionLayouts(existing.layout, layout);
    else {
      // So are the channels of calls that read one stored weight (an ONNX initializer
      // shared by two convs): the weight is sliced once, for both.
      const shared = this.paramLayouts.get(`${param.param}#${axis}`);
      if (shared === undefined) this.paramLayouts.set(`${param.param}#${axis}`, layout);
      else if (shared.length === layout.length) this.universe.unionLayouts(shared, layout);
      const kernel = call.entry?.weights[weight]?.outChannels !== undefined;
      this.couplings.set(`${key}#${axis}`, { param: param.param, layer: call.name, layerClass: call.className, weight, axis, role, kernel, layout });
    }
    if (role === 'in') this.noteMaskPoint(call.inputs[0]);
  }

  /**
   * The tensor a consumer reads, taken before a layer that spreads the channels over
   * positions (a Flatten) so that the channels have an axis of their own.
   */
  private noteMaskPoint(input: GraphTensor | undefined): void {
    let tensor = input;
    const source = tensor === undefined ? undefined : this.producers.get(tensor.id);
    if (source?.entry?.masksOnInput === true) tensor = source.inputs[0] ?? tensor;
    const layout = tensor === undefined ? undefined : this.layouts.get(tensor.id);
    if (tensor !== undefined && layout !== undefined && !this.maskPoints.has(tensor.id)) {
      this.maskPoints.set(tensor.id, { layer: tensor.producer, layout });
    }
  }
}

/**
 * The channel groups of `model` and how every weight axis follows them. Pure: reads the
 * model's structure, not its weight values, and never changes the model.
 */
export function buildDependencyGraph(model: tf.LayersModel): DependencyGraph {
  return dependencyGraphOf(graphOfTfjs(model));
}

/** The dependency graph of a model in any format, from its ModelGraph. */
export function dependencyGraphOf(graph: ModelGraph): DependencyGraph {
  const builder = new GraphBuilder(graph);
  builder.build();
  return assembleGraph(graph, builder.universe, {
    couplings: [...builder.couplings.values()],
    outputs: builder.outputs,
    maskPoints: [...builder.maskPoints.values()],
    bnAfter: builder.bnAfter,
  });
}
