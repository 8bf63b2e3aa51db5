/**
 * Static shape inference over a graph: one forward sweep in node order (ONNX requires
 * topological order), starting from the declared graph inputs and the initializers, with
 * one rule per op kind (shapeRulesSpatial.ts, shapeRulesTensor.ts). A symbolic batch size
 * stays symbolic through the network. An op without a rule, or an input whose shape
 * depends on data, leaves its outputs unknown rather than failing: callers that need a
 * shape ask for it and report what is missing (requireShape).
 */
import { PruneLensError } from '../util/errors';
import { nodeLabel } from './nodeAttributes';
import { makeShapeContext, type ShapeRule } from './shapeContext';
import { SPATIAL_SHAPE_RULES } from './shapeRulesSpatial';
import { TENSOR_SHAPE_RULES } from './shapeRulesTensor';
import type { OnnxDim, OnnxIrGraph, OnnxIrNode, OnnxIrTensor, OnnxValueShape } from './types';

/** The rule for each op kind shape inference knows. */
export const SHAPE_RULES: ReadonlyMap<string, ShapeRule> = new Map([...SPATIAL_SHAPE_RULES, ...TENSOR_SHAPE_RULES]);

/** The static shapes of a graph's values, by value name. */
export type ShapeMap = ReadonlyMap<string, OnnxValueShape>;

export interface InferShapesOptions {
  /** The model's standard opset (see defaultOpset). */
  readonly opset: number;
  /** The model file, for error messages. */
  readonly file?: string | undefined;
  /** Values known to be constant besides the initializers (the clean-up's folded values). */
  readonly constants?: ReadonlyMap<string, OnnxIrTensor>;
}

/** Infers the output shapes of one node into `shapes`; returns them in output order. */
export function inferNodeShapes(
  node: OnnxIrNode,
  shapes: Map<string, OnnxValueShape>,
  constantOf: (value: string) => OnnxIrTensor | undefined,
  opset: number,
  file: string | undefined,
): (OnnxValueShape | undefined)[] {
  const rule = node.domain === '' || node.domain === 'ai.onnx' ? SHAPE_RULES.get(node.opType) : undefined;
  const outs = rule === undefined ? [] : rule(makeShapeContext(node, opset, (v) => shapes.get(v), constantOf, file));
  node.outputs.forEach((o, i) => {
    const s = outs[i];
    if (o !== '' && s !== undefined) shapes.set(o, s);
  });
  return node.outputs.map((_, i) => outs[i]);
}

/** The static type and shape of every value in the graph that can be known. */
export function inferShapes(graph: OnnxIrGraph, opts: InferShapesOptions): ShapeMap {
  const shapes = new Map<string, OnnxValueShape>();
  const constants = new Map<string, OnnxIrTensor>(opts.constants ?? []);
  for (const t of graph.initializers) {
    shapes.set(t.name, { elemType: t.dataType, shape: t.dims });
    constants.set(t.name, t);
  }
  for (const v of graph.inputs) shapes.set(v.name, { elemType: v.elemType, shape: v.shape });
  for (const [name, t] of opts.constants ?? []) shapes.set(name, { elemType: t.dataType, shape: t.dims });
  for (const node of graph.nodes) inferNodeShapes(node, shapes, (v) => constants.get(v), opts.opset, opts.file);
  return shapes;
}

/** A value's dims, or an error naming the value and its producer when they are not static. */
export function requireShape(graph: OnnxIrGraph, shapes: ShapeMap, value: string, file?: string): readonly OnnxDim[] {
  const s = shapes.get(value)?.shape;
  if (s !== undefined) return s;
  const producer = graph.nodes.find((n) => n.outputs.includes(value));
  const by = producer === undefined ? '' : ` (output of ${nodeLabel(producer)})`;
  throw new PruneLensError(`the shape of "${value}"${by} cannot be inferred statically`, file);
}
