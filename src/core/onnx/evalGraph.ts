/**
 * An ONNX model as the graph evaluation runs (a Trunk, src/core/fast/trunk.ts): the model's
 * own nodes and initializers, NCHW as exported, with what every evaluation path expects in
 * front and around it:
 *
 * - images come in NHWC (the data pipeline's layout): a Transpose to NCHW feeds the model's
 *   input (a tf2onnx model that takes NHWC is fed directly);
 * - the batch is dynamic: a model exported with a fixed batch has its input and output
 *   declared with a symbolic one, and a Reshape target that copied the fixed batch copies
 *   it again (0);
 * - every value a mask can go after is known with its mask shape (the channel count on the
 *   value's channel axis, 1 elsewhere), so the fast engine and the per-point engine insert
 *   their mask inputs where the ModelGraph's mask points are.
 */
import { encodeModel, OnnxDataType, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../eval/onnxProto';
import type { OnnxShape, Trunk, TrunkValue } from '../fast/trunk';
import { channelAxisOf, type ModelGraph } from '../graph/modelGraph';
import { PruneLensError } from '../util/errors';
import { nodeLabel } from './nodeAttributes';
import type { ShapeMap } from './shapeInference';
import { littleEndianBytes, tensorNumbers } from './tensorData';
import { defaultOpset, OnnxElem, type OnnxIrAttribute, type OnnxIrModel, type OnnxIrNode, type OnnxIrTensor } from './types';

/** The images' input of an evaluation graph. */
export const IMAGES_INPUT = 'prunelens_images';

function lowerAttribute(node: OnnxIrNode, a: OnnxIrAttribute, file: string | undefined): OnnxAttribute {
  if (a.kind === 'tensor' || a.kind === 'other') throw new PruneLensError(`${nodeLabel(node)}: attribute "${a.name}" holds a ${a.kind === 'tensor' ? 'tensor' : 'graph'}, which PruneLens does not evaluate`, file);
  return a;
}

function lowerNode(node: OnnxIrNode, file: string | undefined): OnnxNode {
  if (node.domain !== '' && node.domain !== 'ai.onnx') throw new PruneLensError(`${nodeLabel(node)} is in domain "${node.domain}", which PruneLens does not evaluate`, file);
  return { opType: node.opType, name: node.name, inputs: node.inputs, outputs: node.outputs, attributes: node.attributes.map((a) => lowerAttribute(node, a, file)) };
}

function lowerTensor(t: OnnxIrTensor): OnnxTensor {
  return { name: t.name, dims: t.dims, dataType: t.dataType, raw: littleEndianBytes(t.data) };
}

/** ONNX shape with the batch as "N" (and every other symbol kept). */
function batchN(dims: readonly (number | string)[] | undefined): OnnxShape | undefined {
  return dims?.map((d, i) => (i === 0 ? 'N' : d === '?' ? `d${i}` : d));
}

/**
 * Reshape targets that copied a fixed batch size B as the literal B copy it as 0, so the
 * graph runs with any batch (only where the reshaped value's own batch is B).
 */
function dynamicReshapes(model: OnnxIrModel, shapes: ShapeMap, batch: number | string | undefined): { nodes: OnnxIrNode[]; extra: OnnxIrTensor[] } {
  const inits = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const extra: OnnxIrTensor[] = [];
  const nodes = model.graph.nodes.map((n) => {
    const target = inits.get(n.inputs[1] ?? '');
    const first = target === undefined ? undefined : tensorNumbers(target)[0];
    const allowZero = n.attributes.some((a) => a.name === 'allowzero' && a.kind === 'int' && a.value === 1);
    if (n.opType !== 'Reshape' || target === undefined || typeof batch !== 'number' || first !== batch || allowZero) return n;
    if (shapes.get(n.inputs[0] ?? '')?.shape?.[0] !== batch) return n;
    const values = BigInt64Array.from(tensorNumbers(target), (v, i) => BigInt(i === 0 ? 0 : v));
    const copy: OnnxIrTensor = { name: `${target.name}/any_batch/${extra.length}`, dataType: OnnxElem.INT64, dims: target.dims, data: values };
    extra.push(copy);
    return { ...n, inputs: [n.inputs[0] as string, copy.name, ...n.inputs.slice(2)] };
  });
  return { nodes, extra };
}

/** A classifier's interface: one image input (NCHW, or NHWC as tf2onnx writes it) and logits [batch, classes]. */
export interface ClassifierInterface {
  readonly input: string;
  readonly output: string;
  /** The input's dims as declared (batch first). */
  readonly dims: readonly (number | string)[];
  readonly nhwc: boolean;
  /** [H, W, C] of one image. */
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
}

/** The interface of a cleaned model, checked; `graph` says where the input's channels are. */
export function classifierInterface(model: OnnxIrModel, shapes: ShapeMap, graph: ModelGraph): ClassifierInterface {
  const g = model.graph;
  const [input] = g.inputs;
  const [output] = g.outputs;
  if (g.inputs.length !== 1 || input === undefined) throw new PruneLensError(`PruneLens works on models with one image input; this one has ${g.inputs.length} inputs (${g.inputs.map((i) => i.name).join(', ')})`, model.file);
  if (output === undefined) throw new PruneLensError('the model has no output', model.file);
  if (input.elemType !== OnnxElem.FLOAT) throw new PruneLensError(`input "${input.name}" is not float32`, model.file);
  const dims = input.shape ?? [];
  if (dims.length !== 4 || dims.slice(1).some((d) => typeof d !== 'number')) {
    throw new PruneLensError(`input "${input.name}" must be an image batch of static size, [N, C, H, W] (or [N, H, W, C]); it is [${dims.join(', ')}]`, model.file);
  }
  const inputTensor = graph.inputs[0];
  const nhwc = inputTensor !== undefined && channelAxisOf(inputTensor) === 3;
  const [, d1, d2, d3] = dims as [number | string, number, number, number];
  const outDims = shapes.get(output.name)?.shape;
  const classes = outDims?.[1];
  if (outDims?.length !== 2 || typeof classes !== 'number') {
    throw new PruneLensError(`PruneLens works on classifiers whose output is [batch, classes]; "${output.name}" is [${(outDims ?? ['?']).join(', ')}]`, model.file);
  }
  return { input: input.name, output: output.name, dims, nhwc, imageShape: nhwc ? [d1, d2, d3] : [d2, d3, d1], numClasses: classes };
}

/**
 * The evaluation graph of a cleaned ONNX model with its static shapes and its ModelGraph
 * (src/core/graph/fromOnnx.ts), whose call names are the keys of `layerValues`.
 */
export function onnxTrunk(model: OnnxIrModel, shapes: ShapeMap, graph: ModelGraph, callNames: readonly string[]): Trunk {
  const io = classifierInterface(model, shapes, graph);
  const { nhwc, imageShape, numClasses: classes } = io;
  const file = model.file;
  const { nodes, extra } = dynamicReshapes(model, shapes, io.dims[0]);
  const inputName = nhwc ? io.input : IMAGES_INPUT;
  const front: OnnxNode[] = nhwc ? [] : [{ opType: 'Transpose', name: `${IMAGES_INPUT}/to_nchw`, inputs: [IMAGES_INPUT], outputs: [io.input], attributes: [{ name: 'perm', kind: 'ints', value: [0, 3, 1, 2] }] }];
  const evalGraph: OnnxGraph = {
    name: model.graph.name || 'prunelens',
    nodes: [...front, ...nodes.map((n) => lowerNode(n, file))],
    initializers: [...model.graph.initializers, ...extra].map(lowerTensor),
    inputs: [{ name: inputName, elemType: OnnxDataType.FLOAT, shape: ['N', ...imageShape] }],
    outputs: [{ name: io.output, elemType: OnnxDataType.FLOAT, shape: ['N', classes] }],
  };
  const valueShapes = new Map<string, OnnxShape>([[inputName, ['N', ...imageShape]]]);
  const constants = new Set(model.graph.initializers.map((t) => t.name));
  for (const [name, s] of shapes) {
    const dims = batchN(s.shape);
    if (dims !== undefined && s.elemType === OnnxElem.FLOAT && !constants.has(name)) valueShapes.set(name, dims);
  }
  const layerValues = new Map<string, TrunkValue>();
  const tensorOf = new Map(graph.calls.flatMap((c) => c.outputs.map((t) => [t.id, t] as const)));
  model.graph.nodes.forEach((n, k) => {
    const value = n.outputs[0];
    const t = value === undefined ? undefined : tensorOf.get(value);
    if (value === undefined || t === undefined) return;
    const axis = channelAxisOf(t);
    const channels = t.shape[axis];
    const maskShape = typeof channels === 'number' ? t.shape.map((_, i) => (i === axis ? channels : 1)) : undefined;
    layerValues.set(callNames[k] as string, { value, calls: 1, maskShape });
  });
  const opset = defaultOpset(model) ?? 13;
  return {
    graph: evalGraph,
    inputName,
    outputName: io.output,
    imageShape,
    numClasses: classes,
    layerValues,
    valueShapes,
    encode: (g) => encodeModel({ irVersion: model.irVersion, opsetVersion: opset, producerName: 'prunelens', graph: g }),
  };
}
