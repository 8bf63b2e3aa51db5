/**
 * Constant folding of shape sub-graphs. One forward sweep infers static shapes and
 * evaluates every foldable node whose inputs are known (constantEval.ts); then each folded
 * value that a remaining node reads becomes an initializer. A value with symbolic elements
 * can become one only as Reshape's target shape: a symbol equal to the input's size on the
 * same axis is written 0 ("copy"), and one other symbol -1 ("infer"). A folded value that
 * cannot be made constant keeps the nodes that compute it, and the support check names them.
 */
import { evaluateNode, FOLDABLE_OPS, symFromTensor, type SymTensor } from './constantEval';
import { attrInt } from './nodeAttributes';
import { inferNodeShapes } from './shapeInference';
import { ELEMENT_TYPES } from './tensorData';
import type { OnnxDim, OnnxIrGraph, OnnxIrNode, OnnxIrTensor, OnnxValueShape } from './types';

export interface FoldResult {
  readonly graph: OnnxIrGraph;
  /** Nodes the folding removed. */
  readonly foldedNodes: number;
}

/** A tensor of numbers as an initializer; undefined when an element is symbolic. */
function tensorOf(name: string, t: SymTensor): OnnxIrTensor | undefined {
  const type = ELEMENT_TYPES.get(t.dataType);
  if (type === undefined || t.values.some((v) => typeof v !== 'number')) return undefined;
  const data = type.make(t.values.length);
  const values = t.values as number[];
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) values.forEach((v, i) => (data[i] = BigInt(v)));
  else data.set(values);
  return { name, dataType: t.dataType as OnnxIrTensor['dataType'], dims: t.dims, data };
}

/** Reshape's target with symbols replaced by 0 (same size as the input's axis) or one -1. */
function reshapeTarget(t: SymTensor, input: readonly OnnxDim[] | undefined, allowZero: boolean): SymTensor | undefined {
  let inferred = t.values.includes(-1);
  const values: number[] = [];
  for (const [i, v] of t.values.entries()) {
    if (typeof v === 'number') values.push(v);
    else if (!allowZero && input?.[i] === v && v !== '?') values.push(0);
    else if (!inferred) {
      inferred = true;
      values.push(-1);
    } else return undefined;
  }
  return { ...t, values };
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

export function foldConstants(graph: OnnxIrGraph, opset: number, file: string | undefined): FoldResult {
  const shapes = new Map<string, OnnxValueShape>();
  const known = new Map<string, SymTensor>();
  const initializers = new Map(graph.initializers.map((t) => [t.name, t]));
  for (const t of graph.initializers) {
    shapes.set(t.name, { elemType: t.dataType, shape: t.dims });
    const sym = symFromTensor(t);
    if (sym !== undefined) known.set(t.name, sym);
  }
  for (const v of graph.inputs) shapes.set(v.name, { elemType: v.elemType, shape: v.shape });
  const constantOf = (v: string): OnnxIrTensor | undefined => initializers.get(v) ?? foldedTensor(v);
  const foldedTensor = (v: string): OnnxIrTensor | undefined => {
    const t = known.get(v);
    return t === undefined ? undefined : tensorOf(v, t);
  };

  // Sweep: fold what can be folded, infer shapes of the rest.
  const folded = new Set<number>();
  graph.nodes.forEach((node, k) => {
    if (FOLDABLE_OPS.has(node.opType) && (node.domain === '' || node.domain === 'ai.onnx') && node.outputs.length >= 1) {
      const inputs = node.inputs.map((i) => (i === '' ? undefined : known.get(i)));
      const value = evaluateNode(node, inputs, opset, shapes.get(node.inputs[0] ?? '')?.shape);
      const out = node.outputs[0] as string;
      if (value !== undefined && node.outputs.slice(1).every((o) => o === '')) {
        known.set(out, value);
        shapes.set(out, { elemType: value.dataType, shape: value.dims });
        folded.add(k);
        return;
      }
    }
    inferNodeShapes(node, shapes, constantOf, opset, file);
  });
  if (folded.size === 0) return { graph, foldedNodes: 0 };

  // Materialize: every folded value a kept node or a graph output reads.
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, k) => n.outputs.forEach((o) => producer.set(o, k)));
  const taken = new Set([...initializers.keys(), ...graph.inputs.map((v) => v.name), ...producer.keys()]);
  const kept = new Set(graph.nodes.map((_, k) => k).filter((k) => !folded.has(k)));
  const added = new Map<string, OnnxIrTensor>();
  const rewired = new Map<number, OnnxIrNode>();
  const pending = [...kept];
  const keepProducer = (value: string): void => {
    const k = producer.get(value);
    if (k !== undefined && !kept.has(k)) {
      kept.add(k);
      pending.push(k);
    }
  };
  for (const o of graph.outputs) if (known.has(o.name) && !initializers.has(o.name)) keepProducer(o.name);
  while (pending.length > 0) {
    const k = pending.pop() as number;
    const node = graph.nodes[k] as OnnxIrNode;
    const inputs = [...node.inputs];
    node.inputs.forEach((value, i) => {
      const sym = known.get(value);
      if (sym === undefined || initializers.has(value) || !folded.has(producer.get(value) ?? -1)) return;
      const numeric = added.get(value) ?? tensorOf(value, sym);
      if (numeric !== undefined) {
        added.set(value, numeric);
        return;
      }
      if (node.opType === 'Reshape' && i === 1) {
        const target = reshapeTarget(sym, shapes.get(node.inputs[0] ?? '')?.shape, attrInt(node, 'allowzero', 0) === 1);
        const t = target && tensorOf(uniqueName(`${value}_static`, taken), target);
        if (t !== undefined) {
          added.set(t.name, t);
          inputs[i] = t.name;
          rewired.set(k, { ...node, inputs });
          return;
        }
      }
      keepProducer(value);
    });
  }
  const nodes = graph.nodes.flatMap((n, k) => (kept.has(k) ? [rewired.get(k) ?? n] : []));
  return {
    graph: { ...graph, nodes, initializers: [...graph.initializers, ...added.values()] },
    foldedNodes: graph.nodes.length - nodes.length,
  };
}
