/**
 * Pruning and masking an ONNX model by a plan, natively: the same axis cuts the TF.js
 * pruner applies (src/core/pruning/slicing.ts) become slices of the initializers they
 * name, each initializer sliced once however many nodes read it. Then each node whose
 * inputs narrowed gets what its registry entry rewrites (a grouped conv's `group`, a
 * Reshape target that counted the channels), in order, with shapes inferred again as the
 * walk goes, so a rewrite sees its inputs' new sizes. Names, attributes, opsets and
 * metadata are left as they are: the pruned model has the source's interface.
 */
import { onnxOpClass } from '../layers/onnx/registry';
import type { OnnxGraphView } from '../graph/fromOnnx';
import { axisCuts, prunedChannels, type AxisCut } from '../pruning/slicing';
import type { DependencyGraph, PrunePlan } from '../pruning/types';
import { PruneLensError } from '../util/errors';
import { inferNodeShapes, type ShapeMap } from './shapeInference';
import { defaultOpset, OnnxElem, type OnnxIrAttribute, type OnnxIrModel, type OnnxIrNode, type OnnxIrTensor, type OnnxValueShape } from './types';

/** One sliced axis of one initializer, as the plan file lists it. */
export interface SlicedWeight {
  /** The parameter name (the state_dict key, or the name derived for a generated initializer). */
  readonly param: string;
  /** The initializer's name in the file. */
  readonly initializer: string;
  readonly axis: number;
  readonly size: number;
  /** Indices kept along the axis, ascending. */
  readonly kept: readonly number[];
}

/** The cuts of a plan per initializer and axis; a weight read by several nodes is cut once. */
function weightCuts(view: OnnxGraphView, cuts: readonly AxisCut[]): SlicedWeight[] {
  const out = new Map<string, SlicedWeight>();
  for (const cut of cuts) {
    const initializer = view.initializerOf.get(cut.param);
    if (initializer === undefined) throw new PruneLensError(`internal: parameter "${cut.param}" is no initializer`);
    const key = `${initializer}#${cut.axis}`;
    const seen = out.get(key);
    if (seen !== undefined && seen.kept.join() !== cut.kept.join()) throw new PruneLensError(`internal: initializer "${initializer}" is cut two ways along axis ${cut.axis}`);
    out.set(key, { param: cut.param, initializer, axis: cut.axis, size: cut.size, kept: cut.kept });
  }
  return [...out.values()];
}

/** `t` with only the `kept` indices along `axis`. */
function sliceTensor(t: OnnxIrTensor, axis: number, kept: readonly number[]): OnnxIrTensor {
  const source = t.data;
  if (!(source instanceof Float32Array)) throw new PruneLensError(`internal: initializer "${t.name}" is not float32`);
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = t.dims[axis] as number;
  const outer = source.length / (size * inner);
  const data = new Float32Array(outer * kept.length * inner);
  for (let o = 0; o < outer; o++) {
    kept.forEach((k, j) => data.set(source.subarray((o * size + k) * inner, (o * size + k + 1) * inner), (o * kept.length + j) * inner));
  }
  return { ...t, dims: t.dims.map((d, i) => (i === axis ? kept.length : d)), data };
}

/** `t` with the indices not in `kept` along `axis` set to zero. */
function zeroTensor(t: OnnxIrTensor, axis: number, kept: readonly number[]): OnnxIrTensor {
  const source = t.data;
  if (!(source instanceof Float32Array)) throw new PruneLensError(`internal: initializer "${t.name}" is not float32`);
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = t.dims[axis] as number;
  const keep = new Set(kept);
  const data = Float32Array.from(source);
  for (let i = 0; i < data.length; i++) if (!keep.has(Math.floor(i / inner) % size)) data[i] = 0;
  return { ...t, data };
}

function applyToInitializers(model: OnnxIrModel, sliced: readonly SlicedWeight[], op: (t: OnnxIrTensor, axis: number, kept: readonly number[]) => OnnxIrTensor): OnnxIrTensor[] {
  return model.graph.initializers.map((t) => sliced.filter((s) => s.initializer === t.name).reduce((acc, s) => op(acc, s.axis, s.kept), t));
}

function withInts(attributes: readonly OnnxIrAttribute[], ints: Readonly<Record<string, number>>): OnnxIrAttribute[] {
  const out = attributes.map((a) => (a.name in ints ? { name: a.name, kind: 'int' as const, value: ints[a.name] as number } : a));
  for (const [name, value] of Object.entries(ints)) if (!out.some((a) => a.name === name)) out.push({ name, kind: 'int', value });
  return out;
}

/** Walks the nodes with the new initializers, rewriting each as its entry says, inferring shapes as it goes. */
function rewriteNodes(model: OnnxIrModel, shapes: ShapeMap, view: OnnxGraphView, initializers: OnnxIrTensor[]): { nodes: OnnxIrNode[]; initializers: OnnxIrTensor[] } {
  const opset = defaultOpset(model) ?? 0;
  const constants = new Map(initializers.map((t) => [t.name, t]));
  const after = new Map<string, OnnxValueShape>();
  for (const t of initializers) after.set(t.name, { elemType: t.dataType, shape: t.dims });
  for (const v of model.graph.inputs) after.set(v.name, { elemType: v.elemType, shape: v.shape });
  const readers = new Map<string, number>();
  for (const n of model.graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const nodes = model.graph.nodes.map((node, k) => {
    let next = node;
    const rewrite = onnxOpClass(node.opType)?.rewrite?.({
      config: view.graph.calls[k]?.config ?? {},
      before: node.inputs.map((v) => shapes.get(v)?.shape),
      after: node.inputs.map((v) => after.get(v)?.shape),
    });
    if (rewrite?.ints !== undefined) next = { ...next, attributes: withInts(next.attributes, rewrite.ints) };
    for (const [position, values] of rewrite?.constants ?? []) {
      const old = constants.get(next.inputs[position] ?? '');
      if (old === undefined) continue;
      // A constant only this node reads is replaced under its own name; a shared one is copied.
      const name = readers.get(old.name) === 1 ? old.name : `${old.name}/${next.name || k}`;
      const data = old.dataType === OnnxElem.INT64 ? BigInt64Array.from(values, (v) => BigInt(v)) : Float32Array.from(values);
      const tensor: OnnxIrTensor = { name, dataType: old.dataType === OnnxElem.INT64 ? OnnxElem.INT64 : OnnxElem.FLOAT, dims: [values.length], data };
      constants.set(name, tensor);
      after.set(name, { elemType: tensor.dataType, shape: tensor.dims });
      next = { ...next, inputs: next.inputs.map((v, i) => (i === position ? name : v)) };
    }
    inferNodeShapes(next, after, (v) => constants.get(v), opset, model.file);
    return next;
  });
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return { nodes, initializers: [...constants.values()].filter((t) => used.has(t.name)) };
}

/**
 * `model` (cleaned, with its shapes and ModelGraph view) with the channels of `plan` removed,
 * and the initializer slices that did it. The plan must have been made for this model.
 */
export function pruneOnnxModel(model: OnnxIrModel, shapes: ShapeMap, view: OnnxGraphView, graph: DependencyGraph, plan: PrunePlan): { model: OnnxIrModel; sliced: SlicedWeight[] } {
  const sliced = weightCuts(view, axisCuts(graph, prunedChannels(graph, plan)));
  const { nodes, initializers } = rewriteNodes(model, shapes, view, applyToInitializers(model, sliced, sliceTensor));
  return { model: { ...model, graph: { ...model.graph, nodes, initializers } }, sliced };
}

/**
 * `model` with the same shapes, computing what the pruned model computes: the input slices
 * of the nodes that consume a pruned channel (a conv's input channels, a Gemm's rows) are
 * zeroed, as src/core/pruning/maskModel.ts does for TF.js.
 */
export function maskOnnxModel(model: OnnxIrModel, view: OnnxGraphView, graph: DependencyGraph, plan: PrunePlan): OnnxIrModel {
  const consumers = weightCuts(view, axisCuts(graph, prunedChannels(graph, plan)).filter((c) => c.role === 'in'));
  return { ...model, graph: { ...model.graph, initializers: applyToInitializers(model, consumers, zeroTensor) } };
}
