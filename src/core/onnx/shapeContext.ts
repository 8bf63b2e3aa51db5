/**
 * What a shape rule sees of one node: its inputs' static shapes, the values of inputs that
 * are constants (axes, pads, target shapes, scales), the opset, and a way to fail with a
 * message naming the node. The rules themselves live in shapeRulesSpatial.ts and
 * shapeRulesTensor.ts; shapeInference.ts walks the graph.
 */
import { PruneLensError } from '../util/errors';
import { nodeLabel, optionalInput } from './nodeAttributes';
import { tensorNumbers } from './tensorData';
import type { OnnxDim, OnnxIrNode, OnnxIrTensor, OnnxValueShape } from './types';

export interface ShapeContext {
  readonly node: OnnxIrNode;
  /** The model's standard opset (inputs moved from attributes over the versions). */
  readonly opset: number;
  /** Static type and shape of input `i`; undefined when absent or unknown. */
  input(i: number): OnnxValueShape | undefined;
  /** Input `i`'s dims when its rank is known. */
  dims(i: number): readonly OnnxDim[] | undefined;
  /** The values of input `i` when it is a constant; undefined when absent or computed. */
  constant(i: number): number[] | undefined;
  /** Throws an error naming the node (and the model file). */
  fail(message: string): never;
}

/** A rule gives the static type and shape of each of a node's outputs (undefined: unknown). */
export type ShapeRule = (ctx: ShapeContext) => (OnnxValueShape | undefined)[];

export function makeShapeContext(
  node: OnnxIrNode,
  opset: number,
  shapeOf: (value: string) => OnnxValueShape | undefined,
  constantOf: (value: string) => OnnxIrTensor | undefined,
  file: string | undefined,
): ShapeContext {
  const input = (i: number): OnnxValueShape | undefined => {
    const name = optionalInput(node, i);
    return name === undefined ? undefined : shapeOf(name);
  };
  return {
    node,
    opset,
    input,
    dims: (i) => input(i)?.shape,
    constant(i) {
      const name = optionalInput(node, i);
      const t = name === undefined ? undefined : constantOf(name);
      return t === undefined ? undefined : tensorNumbers(t);
    },
    fail(message): never {
      throw new PruneLensError(`${nodeLabel(node)}: ${message}`, file);
    },
  };
}

/** The output type of a rule that keeps its input's element type. */
export function sameType(ctx: ShapeContext, shape: readonly OnnxDim[] | undefined, from = 0): OnnxValueShape {
  return { elemType: ctx.input(from)?.elemType ?? 0, shape };
}
