/**
 * A cleaned ONNX model (src/core/onnx/loadOnnx.ts) as a ModelGraph: one call per node, named
 * by the node's name (unique; a node without one gets `<Op>_<index>`), with the ONNX op
 * registry's entry (src/core/layers/onnx), the node's attributes and constant inputs as its
 * config (by their spec names), its float initializer inputs as its weights, and every
 * value's static shape and channel axis.
 *
 * Parameter names are the initializer names, which PyTorch makes its state_dict keys
 * (`layer1.0.conv1.weight`). An initializer the exporter named itself (`onnx::Conv_46`: a
 * conv with BatchNorm folded in) gets its name from the node's module path instead
 * (`/layer1/layer1.0/conv1/Conv` -> `layer1.0.conv1.weight`), unless that name is taken.
 */
import { onnxOpClass } from '../layers/onnx/registry';
import type { AxisContext, OnnxOpClass, OnnxWeightFacet } from '../layers/onnx/types';
import type { Shape } from '../layers/types';
import type { ShapeMap } from '../onnx/shapeInference';
import { tensorNumbers } from '../onnx/tensorData';
import { OnnxElem, type OnnxIrAttribute, type OnnxIrModel, type OnnxIrNode, type OnnxIrTensor } from '../onnx/types';
import type { GraphCall, GraphTensor, GraphWeight, ModelGraph } from './modelGraph';

/** The ModelGraph of an ONNX model and the names that tie it back to the file. */
export interface OnnxGraphView {
  readonly graph: ModelGraph;
  /** The call name of each node, by node index. */
  readonly callNames: readonly string[];
  /** Parameter name -> the initializer it is. */
  readonly initializerOf: ReadonlyMap<string, string>;
  /** Initializer -> its parameter name. */
  readonly paramOf: ReadonlyMap<string, string>;
}

const GENERATED = /^onnx::/;

/** An ONNX shape as the pruner sees it: the batch (axis 0) and every symbolic size null. */
function shapeOf(dims: readonly (number | string)[] | undefined): Shape {
  return (dims ?? []).map((d, i) => (i === 0 || typeof d !== 'number' ? null : d));
}

/**
 * The module path PyTorch's exporter encodes in a node name: each scope segment is a
 * module's name relative to the last named attribute, so `features.1` extends `features`
 * and `block.0.0` extends `block.0`; the rest are new attributes. The last segment is the
 * op. `/features/features.1/block/block.0/block.0.0/Conv` -> `features.1.block.0.0`.
 */
export function modulePath(nodeName: string): string | undefined {
  const segments = nodeName.split('/').filter((s) => s !== '');
  if (segments.length < 2) return undefined;
  const path: string[] = [];
  for (const s of segments.slice(0, -1)) {
    const last = path[path.length - 1];
    if (last !== undefined && s.startsWith(`${last}.`)) path[path.length - 1] = s;
    else path.push(s);
  }
  const joined = path.join('.');
  return /^[A-Za-z0-9_.]+$/.test(joined) ? joined : undefined;
}

function attributeValue(a: OnnxIrAttribute): unknown {
  return a.kind === 'tensor' || a.kind === 'other' ? undefined : a.value;
}

/** Unique call names, in node order. */
function callNamesOf(nodes: readonly OnnxIrNode[]): string[] {
  const taken = new Set<string>();
  return nodes.map((n, k) => {
    let name = n.name !== '' ? n.name : `${n.opType}_${k}`;
    for (let i = 1; taken.has(name); i++) name = `${n.name !== '' ? n.name : n.opType}_${k}_${i}`;
    taken.add(name);
    return name;
  });
}

/** Whether a graph input is NHWC: it only feeds Transposes to NCHW, as tf2onnx writes them. */
export function isNhwcInput(model: OnnxIrModel, name: string): boolean {
  const readers = model.graph.nodes.filter((n) => n.inputs.includes(name));
  const toNchw = (n: OnnxIrNode): boolean => n.opType === 'Transpose' && n.attributes.some((a) => a.name === 'perm' && a.kind === 'ints' && a.value.join(',') === '0,3,1,2');
  return readers.length > 0 && readers.every(toNchw);
}

/** Where a graph input's channels are: axis 3 for an NHWC image, else axis 1. */
function inputChannelAxis(model: OnnxIrModel, name: string, rank: number): number {
  if (rank < 2) return Math.max(0, rank - 1);
  return rank === 4 && isNhwcInput(model, name) ? 3 : 1;
}

/** A weight input: a float initializer the entry declares as one (an operand of one value is a constant, not a weight). */
function isWeight(facet: OnnxWeightFacet, t: OnnxIrTensor | undefined): t is OnnxIrTensor {
  return t !== undefined && t.dataType === OnnxElem.FLOAT && !(facet.operand === true && t.data.length <= 1);
}

class ParamNames {
  readonly initializerOf = new Map<string, string>();
  readonly paramOf = new Map<string, string>();
  readonly order: string[] = [];

  constructor(private readonly initializers: ReadonlySet<string>) {}

  /** The parameter name of initializer `init` read by `node` as `facet` (named once, on first use). */
  name(init: string, node: OnnxIrNode, facet: OnnxWeightFacet): string {
    const known = this.paramOf.get(init);
    if (known !== undefined) return known;
    let param = init;
    const path = GENERATED.test(init) && facet.stateDict !== undefined ? modulePath(node.name) : undefined;
    const derived = path === undefined ? undefined : `${path}.${facet.stateDict}`;
    if (derived !== undefined && !this.initializers.has(derived) && !this.initializerOf.has(derived)) param = derived;
    this.paramOf.set(init, param);
    this.initializerOf.set(param, init);
    this.order.push(param);
    return param;
  }
}

/** The channel axis of a node's output: the entry's facet, or the first input's moved to the output's rank. */
function outputAxis(entry: OnnxOpClass | undefined, ctx: AxisContext): number {
  if (entry?.channelAxis !== undefined) return entry.channelAxis(ctx);
  const inRank = ctx.inputShapes[0]?.length;
  const first = ctx.inputAxes[0];
  if (first === undefined || inRank === undefined) return Math.max(0, ctx.outputShape.length - 1);
  return first + ctx.outputShape.length - inRank;
}

export function graphOfOnnx(model: OnnxIrModel, shapes: ShapeMap): OnnxGraphView {
  const g = model.graph;
  const initializers = new Map(g.initializers.map((t) => [t.name, t]));
  const names = new ParamNames(new Set(initializers.keys()));
  const callNames = callNamesOf(g.nodes);
  const tensors = new Map<string, GraphTensor>();
  for (const input of g.inputs) {
    const shape = shapeOf(input.shape);
    tensors.set(input.name, { id: input.name, shape, producer: input.name, channelAxis: inputChannelAxis(model, input.name, shape.length) });
  }
  const calls: GraphCall[] = g.nodes.map((node, k) => {
    const entry = onnxOpClass(node.opType);
    const name = callNames[k] as string;
    const config: Record<string, unknown> = {};
    for (const a of node.attributes) {
      const v = attributeValue(a);
      if (v !== undefined) config[a.name] = v;
    }
    const weights: GraphWeight[] = [];
    const weightInputs = new Set<number>();
    for (const [short, facet] of Object.entries(entry?.weights ?? {})) {
      const t = initializers.get(node.inputs[facet.input] ?? '');
      if (!isWeight(facet, t)) continue;
      weights.push({ weight: short, param: names.name(t.name, node, facet), shape: t.dims });
      weightInputs.add(facet.input);
    }
    const inputs: GraphTensor[] = [];
    let constantInputs = 0;
    node.inputs.forEach((v, i) => {
      if (v === '' || weightInputs.has(i)) return;
      const constant = initializers.get(v);
      if (constant === undefined) {
        const t = tensors.get(v);
        if (t !== undefined) inputs.push(t);
        return;
      }
      config[entry?.inputs[i] ?? `input${i}`] = tensorNumbers(constant);
      constantInputs++;
    });
    if (constantInputs > 0) config['constantInputs'] = constantInputs;
    const outputs = node.outputs.map((v) => {
      const shape = shapeOf(shapes.get(v)?.shape);
      const axis = outputAxis(entry, { config, inputAxes: inputs.map((t) => t.channelAxis ?? t.shape.length - 1), inputShapes: inputs.map((t) => t.shape), outputShape: shape });
      const t: GraphTensor = { id: v, shape, producer: name, channelAxis: axis };
      tensors.set(v, t);
      return t;
    });
    return { name, className: node.opType, entry, config, inputs, outputs, weights };
  });
  const outputs = g.outputs.map((o) => tensors.get(o.name)).filter((t): t is GraphTensor => t !== undefined);
  const graph: ModelGraph = {
    // The file's name says which model it is better than the exporter's graph name ("torch_jit").
    name: model.file !== undefined ? model.file.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '') : g.name !== '' ? g.name : 'onnx',
    inputs: g.inputs.map((i) => tensors.get(i.name) as GraphTensor),
    outputs,
    calls,
    paramOrder: names.order,
  };
  return { graph, callNames, initializerOf: names.initializerOf, paramOf: names.paramOf };
}
