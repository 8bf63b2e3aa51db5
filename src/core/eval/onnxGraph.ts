/**
 * An append-only builder for one ONNX graph: it hands out unique value names, collects
 * nodes (already in topological order, because the exporter visits layers in that order)
 * and initializers, and serialises the result. The layer converters and any later pass
 * (e.g. per-channel mask inputs) talk to this class only, never to the protobuf encoding.
 */
import { encodeModel, OnnxDataType } from './onnxProto';
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnxProto';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 8;

export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();
  /** Names some node, initializer or input already defines. */
  private readonly defined = new Set<string>();

  constructor(readonly graphName: string) {}

  /**
   * A value name not used before, derived from `hint`. TF.js layer names are unique within
   * a model, but one layer can emit several ONNX values, so every name goes through here.
   */
  uniqueName(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs and outputs have fixed names); fails if taken. */
  reserveName(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX value name "${name}" is already in use`);
    this.used.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: readonly string[], nameHint: string, attributes: readonly OnnxAttribute[] = [], outputName?: string): string {
    const out = outputName ?? this.uniqueName(nameHint);
    this.define(out);
    this.nodes.push({ opType, inputs, outputs: [out], name: this.uniqueName(`${nameHint}/${opType}`), attributes });
    return out;
  }

  /** Adds a float32 initializer and returns its name. */
  floatConst(nameHint: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    const name = this.define(this.uniqueName(nameHint));
    this.initializers.push({ name, dims: [...dims], dataType: OnnxDataType.FLOAT, data: Float32Array.from(data) });
    return name;
  }

  /** Adds an int64 initializer (shapes, pads, axes) and returns its name. */
  int64Const(nameHint: string, dims: readonly number[], data: readonly number[]): string {
    const name = this.define(this.uniqueName(nameHint));
    this.initializers.push({ name, dims: [...dims], dataType: OnnxDataType.INT64, data: BigInt64Array.from(data.map(BigInt)) });
    return name;
  }

  /** Declares a graph input under its exact name; masks will be added this way too. */
  addInput(name: string, elemType: OnnxDataType, shape: readonly (number | string)[]): string {
    this.inputs.push({ name: this.define(this.reserveName(name)), elemType, shape });
    return name;
  }

  /**
   * Declares `value` as a graph output called `name`. Reserve `name` (reserveName) before
   * building the graph so no layer value can take it; an Identity then renames the value.
   */
  addOutput(value: string, name: string, elemType: OnnxDataType, shape: readonly (number | string)[]): void {
    if (!this.defined.has(value)) throw new Error(`ONNX value "${value}" is not defined in the graph`);
    if (value !== name) {
      if (this.defined.has(name)) throw new Error(`ONNX value name "${name}" is already defined`);
      if (!this.used.has(name)) this.reserveName(name);
      this.op('Identity', [value], name, [], name);
    }
    this.outputs.push({ name, elemType, shape });
  }

  private define(name: string): string {
    if (this.defined.has(name)) throw new Error(`ONNX value "${name}" is defined twice`);
    this.defined.add(name);
    return name;
  }

  /**
   * The graph as built so far, as plain data. Graph passes that rewire or split it (the
   * fast sensitivity engine's mask inputs and upstream cuts) work on this; the arrays are
   * copies, the tensors are shared.
   */
  toGraph(): OnnxGraph {
    return { name: this.graphName, nodes: [...this.nodes], initializers: [...this.initializers], inputs: [...this.inputs], outputs: [...this.outputs] };
  }

  /** The serialised ModelProto. */
  toBytes(producerVersion?: string): Uint8Array {
    return encodeOnnxGraph(this.toGraph(), producerVersion);
  }
}

/** A graph (built here, or derived from one) as ModelProto bytes with this exporter's versions. */
export function encodeOnnxGraph(graph: OnnxGraph, producerVersion?: string): Uint8Array {
  return encodeModel({ irVersion: ONNX_IR_VERSION, opsetVersion: ONNX_OPSET, producerName: 'prunelens', producerVersion, graph });
}

export const intAttr = (name: string, value: number): OnnxAttribute => ({ name, kind: 'int', value });
export const intsAttr = (name: string, value: readonly number[]): OnnxAttribute => ({ name, kind: 'ints', value });
export const floatAttr = (name: string, value: number): OnnxAttribute => ({ name, kind: 'float', value });
