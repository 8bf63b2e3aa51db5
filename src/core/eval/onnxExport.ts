/**
 * TF.js Layers model -> ONNX (opset 13), in memory, for fast evaluation on ONNX Runtime.
 *
 * The model's graph is walked call by call (a layer's inbound nodes), so sequential and
 * functional models, and branches such as residual adds and concats, take one path. Every
 * TF.js symbolic tensor maps to one ONNX value (`ExportValue`); `afterLayer` may replace a
 * layer's value before anything consumes it, which is where per-channel mask inputs will
 * be multiplied in without changing the walk.
 */
import type * as tf from '@tensorflow/tfjs';
import { PruneLensError } from '../util/errors';
import { layerClass, knownClassNames } from '../layers/registry';
import type { LayerClass } from '../layers/types';
import { OnnxDataType } from './onnxProto';
import { intsAttr, OnnxGraphBuilder } from './onnxGraph';
import { normalisesChannels } from './exportBatchNorm';
import type { ExportValue, LayerConverter } from './exportTypes';
import { unsupported } from './exportTypes';

export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'logits';

/** The class's ONNX converter; a class without one is refused with the registry's reason. */
function converterOf(entry: LayerClass | undefined, call: { layer: tf.layers.Layer; className: string }): LayerConverter {
  if (entry === undefined) throw unsupported(call, `layer class not known to PruneLens (known: ${knownClassNames().join(', ')})`);
  if ('unsupported' in entry.onnx) throw unsupported(call, entry.onnx.unsupported);
  return entry.onnx.convert;
}

/** The registry's ONNX facet of a call's class, for fold planning. */
function onnxFacet(node: TfNode): LayerClass['onnx'] | undefined {
  return layerClass(node.outboundLayer.getClassName())?.onnx;
}

function absorbs(node: TfNode): boolean {
  const facet = onnxFacet(node);
  return facet !== undefined && 'convert' in facet && facet.absorbs === true;
}

function foldable(node: TfNode, kind: 'batchNorm' | 'activation'): boolean {
  const facet = onnxFacet(node);
  return facet !== undefined && 'convert' in facet && facet.foldable === kind;
}

export interface ExportOptions {
  /**
   * Fold each BatchNormalization into the Conv2D/DepthwiseConv2D feeding only it, and a
   * ReLU/Activation layer reading only such a conv (or conv + BN) into it (default true;
   * false exports every layer as its own nodes, for debugging).
   */
  readonly foldBatchNorm?: boolean;
  /**
   * Called with the ONNX value of each exported layer call's output (once per call of a
   * shared layer; for a folded conv + BN (+ activation), once, under the last layer's
   * name); the returned value replaces it for all consumers.
   */
  readonly afterLayer?: (g: OnnxGraphBuilder, layerName: string, value: ExportValue) => ExportValue;
}

export interface OnnxExportGraph {
  readonly graph: OnnxGraphBuilder;
  readonly inputName: string;
  readonly outputName: string;
  /** TF.js input shape, batch first (null). */
  readonly inputShape: readonly (number | null)[];
  readonly outputShape: readonly (number | null)[];
  /** Names of the BatchNormalization layers folded into a convolution. */
  readonly foldedBatchNorms: readonly string[];
}

type TfNode = tf.layers.Layer['inboundNodes'][number];

function producer(t: tf.SymbolicTensor): TfNode {
  const node = t.sourceLayer.inboundNodes[t.nodeIndex];
  if (!node) throw new PruneLensError(`tensor "${t.name}" has no producing node in layer "${t.sourceLayer.name}"`);
  return node;
}

/** The calls that produce the model's outputs, producers before consumers. */
function topologicalOrder(outputs: readonly tf.SymbolicTensor[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<TfNode, 'visiting' | 'done'>();
  const visit = (node: TfNode): void => {
    const s = state.get(node);
    if (s === 'done') return;
    if (s === 'visiting') throw new PruneLensError(`the model graph has a cycle at layer "${node.outboundLayer.name}"`);
    state.set(node, 'visiting');
    // An InputLayer's node lists its own output as input; it has no producers.
    if (layerClass(node.outboundLayer.getClassName())?.input !== true) for (const t of node.inputTensors) visit(producer(t));
    state.set(node, 'done');
    order.push(node);
  };
  for (const t of outputs) visit(producer(t));
  return order;
}

/**
 * Conv call -> the BN call folded into it: a BatchNormalization (foldable as such in the
 * registry) reading only the output of a linear conv that absorbs folds.
 */
function planBatchNormFolds(order: readonly TfNode[], uses: ReadonlyMap<number, number>): Map<TfNode, TfNode> {
  const folds = new Map<TfNode, TfNode>();
  for (const bn of order) {
    const t = bn.inputTensors[0];
    if (!foldable(bn, 'batchNorm') || bn.inputTensors.length !== 1 || !t) continue;
    const conv = producer(t);
    if (!absorbs(conv)) continue;
    const activation = conv.outboundLayer.getConfig()['activation'] ?? 'linear';
    if (activation !== 'linear' || uses.get(t.id) !== 1 || conv.outputTensors.length !== 1) continue;
    if (t.shape.length !== 4 || !normalisesChannels(bn.outboundLayer, 4)) continue;
    folds.set(conv, bn);
  }
  return folds;
}

/**
 * Activation layers to fold into the conv before them: a layer the registry marks foldable
 * as an activation (ReLU, Activation) whose input is read by nothing else and comes from a
 * conv that absorbs folds, with a linear activation (directly, or through a BN folded into
 * it). Keyed by the conv's node.
 * Such an activation's input is never a pruning mask point (those are the inputs of
 * layers with weights), so no one needs it as a value of its own.
 */
function planActivationFolds(order: readonly TfNode[], uses: ReadonlyMap<number, number>, bnFolds: ReadonlyMap<TfNode, TfNode>): Map<TfNode, TfNode> {
  const convOfBn = new Map([...bnFolds].map(([conv, bn]) => [bn, conv]));
  const folds = new Map<TfNode, TfNode>();
  for (const act of order) {
    const t = act.inputTensors[0];
    if (!foldable(act, 'activation') || act.inputTensors.length !== 1 || !t || uses.get(t.id) !== 1) continue;
    const before = producer(t);
    const conv = convOfBn.get(before) ?? before;
    if (!absorbs(conv)) continue;
    if ((conv.outboundLayer.getConfig()['activation'] ?? 'linear') !== 'linear' || before.outputTensors.length !== 1) continue;
    folds.set(conv, act);
  }
  return folds;
}

function onnxShape(shape: readonly (number | null)[]): (number | string)[] {
  return shape.map((d, i) => (d === null ? (i === 0 ? 'N' : `d${i}`) : d));
}

/** Builds the ONNX graph of a model; `exportToOnnx` serialises it. */
export function buildOnnxGraph(model: tf.LayersModel, opts: ExportOptions = {}): OnnxExportGraph {
  const [input, ...moreInputs] = model.inputs;
  const [output, ...moreOutputs] = model.outputs;
  if (!input || !output || moreInputs.length > 0 || moreOutputs.length > 0) {
    throw new PruneLensError(`ONNX export needs a model with one input and one output; "${model.name}" has ${model.inputs.length} and ${model.outputs.length}`);
  }
  const order = topologicalOrder(model.outputs);
  const uses = new Map<number, number>([[output.id, 1]]);
  for (const node of order) {
    if (layerClass(node.outboundLayer.getClassName())?.input === true) continue;
    for (const t of node.inputTensors) uses.set(t.id, (uses.get(t.id) ?? 0) + 1);
  }
  const folds = opts.foldBatchNorm === false ? new Map<TfNode, TfNode>() : planBatchNormFolds(order, uses);
  const activationFolds = opts.foldBatchNorm === false ? new Map<TfNode, TfNode>() : planActivationFolds(order, uses, folds);
  const foldedAway = new Set([...folds.values(), ...activationFolds.values()]);

  const g = new OnnxGraphBuilder(model.name);
  // Claimed first, so a layer called "logits" or "input" gets a suffixed value name instead.
  g.reserveName(ONNX_OUTPUT_NAME);
  const values = new Map<number, ExportValue>();
  g.addInput(ONNX_INPUT_NAME, OnnxDataType.FLOAT, onnxShape(input.shape));
  values.set(input.id, input.shape.length === 4
    ? { name: g.op('Transpose', [ONNX_INPUT_NAME], 'input_nchw', [intsAttr('perm', [0, 3, 1, 2])]), layout: 'nchw', shape: input.shape }
    : { name: ONNX_INPUT_NAME, layout: 'plain', shape: input.shape });

  for (const node of order) {
    const layer = node.outboundLayer;
    const className = layer.getClassName();
    const entry = layerClass(className);
    if (entry?.input === true || foldedAway.has(node)) continue;
    const bn = folds.get(node);
    const act = activationFolds.get(node);
    const outNode = act ?? bn ?? node;
    const [out, ...moreOut] = outNode.outputTensors;
    const foldedActivation = act && {
      layer: act.outboundLayer,
      className: act.outboundLayer.getClassName(),
      config: act.outboundLayer.getConfig() as Record<string, unknown>,
      outputShape: act.outputTensors[0]?.shape ?? [],
      convert: converterOf(layerClass(act.outboundLayer.getClassName()), { layer: act.outboundLayer, className: act.outboundLayer.getClassName() }),
    };
    const call = {
      layer,
      className,
      config: layer.getConfig() as Record<string, unknown>,
      outputShape: out?.shape ?? [],
      ...(bn ? { foldedBatchNorm: bn.outboundLayer } : {}),
      ...(foldedActivation ? { foldedActivation } : {}),
    };
    const converter = converterOf(entry, call);
    if (!out || moreOut.length > 0) throw unsupported(call, `${outNode.outputTensors.length} outputs (only single-output layers are supported)`);
    const inputs = node.inputTensors.map((t) => {
      const v = values.get(t.id);
      if (!v) throw unsupported(call, `input "${t.name}" was not exported before it`);
      return v;
    });
    let value = converter(g, { ...call, inputs });
    if (opts.afterLayer) value = opts.afterLayer(g, outNode.outboundLayer.name, value);
    values.set(out.id, value);
  }

  const last = values.get(output.id);
  if (!last) throw new PruneLensError(`the output of "${model.name}" was not produced by the export`);
  // A 4-D output goes back to TF's NHWC so both engines return the same numbers.
  const outName = last.layout === 'nchw' ? g.op('Transpose', [last.name], 'output_nhwc', [intsAttr('perm', [0, 2, 3, 1])]) : last.name;
  g.addOutput(outName, ONNX_OUTPUT_NAME, OnnxDataType.FLOAT, onnxShape(output.shape));
  return {
    graph: g,
    inputName: ONNX_INPUT_NAME,
    outputName: ONNX_OUTPUT_NAME,
    inputShape: input.shape,
    outputShape: output.shape,
    foldedBatchNorms: [...folds.values()].map((n) => n.outboundLayer.name),
  };
}

/**
 * Why `model` cannot be exported to ONNX (the layer, its class and the reason), or
 * undefined when it can. Engines that need the export check this first and fall back to
 * TF.js with this as the reason.
 */
export function onnxExportProblem(model: tf.LayersModel): string | undefined {
  try {
    buildOnnxGraph(model);
    return undefined;
  } catch (err) {
    if (err instanceof PruneLensError) return err.message;
    throw err;
  }
}

/**
 * The model as ONNX ModelProto bytes: input "input" float32 [N, H, W, C] (NHWC, like our
 * datasets), output "logits". BatchNormalization is folded into convolutions by default.
 */
export function exportToOnnx(model: tf.LayersModel, opts: { foldBatchNorm?: boolean } = {}): Uint8Array {
  return buildOnnxGraph(model, opts).graph.toBytes();
}
