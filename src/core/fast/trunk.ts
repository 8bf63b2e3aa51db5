/**
 * The unpruned model as one ONNX graph that takes NHWC images, plus what the fast engine
 * needs to find its way around it: which ONNX value each layer's output became, the shape a
 * mask multiplied into it takes, and the ONNX shape of every value, so cut-out parts of the
 * graph can declare typed inputs. A TF.js model is exported (BatchNorm folded, exportTrunk
 * below); an ONNX model is its own graph with a Transpose in front (src/core/onnx/evalGraph.ts).
 *
 * Every group's masked graph is derived from this one graph by inserting Mul nodes (see
 * graphSurgery.ts), so a value has the same name in every group's graph: a value cached
 * while scanning one group can be fed to another group's upstream part.
 */
import type * as tf from '@tensorflow/tfjs';
import { buildOnnxGraph } from '../eval/onnxExport';
import { encodeOnnxGraph } from '../eval/onnxGraph';
import type { OnnxGraph } from '../eval/onnxProto';
import type { ExportValue } from '../eval/exportTypes';
import type { ChannelGroup, PrunePlan } from '../pruning';
import { PruneLensError } from '../util/errors';
import type { MaskSite } from './graphSurgery';

export type OnnxShape = readonly (number | string)[];

/** Where a layer's output is in the trunk's graph. */
export interface TrunkValue {
  /** The ONNX value its consumers read. */
  readonly value: string;
  /** How often the layer is called (a layer called twice cannot be masked in one place). */
  readonly calls: number;
  /** A mask's shape over the value: its channel count on the channel axis, 1 elsewhere; undefined when unknown. */
  readonly maskShape: readonly number[] | undefined;
}

export interface Trunk {
  readonly graph: OnnxGraph;
  /** The images' input, NHWC float32. */
  readonly inputName: string;
  readonly outputName: string;
  /** [H, W, C] of one image. */
  readonly imageShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Layer -> where its output is. */
  readonly layerValues: ReadonlyMap<string, TrunkValue>;
  /** ONNX value name -> its ONNX shape, batch dimension "N". */
  readonly valueShapes: ReadonlyMap<string, OnnxShape>;
  /** The graph (this one, or one derived from it) as ModelProto bytes, with the model's opset. */
  encode(graph: OnnxGraph): Uint8Array;
}

/** The mask shape over an exported value: [1, C, 1, 1] for an NCHW image, channels last otherwise. */
function exportedMaskShape(v: ExportValue): number[] | undefined {
  const channels = v.shape[v.shape.length - 1];
  if (typeof channels !== 'number') return undefined;
  return v.layout === 'nchw' ? [1, channels, 1, 1] : [...v.shape.slice(0, -1).map(() => 1), channels];
}

/** The ONNX shape of an exported value: NCHW order for image tensors, batch as "N". */
function onnxShape(v: ExportValue): OnnxShape {
  const dims = v.shape.map((d, i) => (d === null ? (i === 0 ? 'N' : `${v.name}_d${i}`) : d));
  if (v.layout !== 'nchw') return dims;
  const [n, h, w, c] = dims as [number | string, number | string, number | string, number | string];
  return [n, c, h, w];
}

/** Exports `model` for the fast engine; the model must take static [H, W, C] images and give [N, classes]. */
export function exportTrunk(model: tf.LayersModel): Trunk {
  const layerValues = new Map<string, { value: ExportValue; calls: number }>();
  const exported = buildOnnxGraph(model, {
    foldBatchNorm: true,
    afterLayer: (_g, layer, value) => {
      const seen = layerValues.get(layer);
      layerValues.set(layer, { value: seen?.value ?? value, calls: (seen?.calls ?? 0) + 1 });
      return value;
    },
  });
  const [, h, w, c] = exported.inputShape;
  const [, classes, ...rest] = exported.outputShape;
  if (exported.inputShape.length !== 4 || typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new PruneLensError(`the fast engine needs a model with a static image input [H, W, C]; "${model.name}" takes [${exported.inputShape.slice(1).join(', ')}]`);
  }
  if (typeof classes !== 'number' || rest.length > 0) {
    throw new PruneLensError(`the fast engine needs a model whose output is [batch, classes]; "${model.name}" gives [${exported.outputShape.join(', ')}]`);
  }
  const graph = exported.graph.toGraph();
  const valueShapes = new Map<string, OnnxShape>([[exported.inputName, ['N', h, w, c]]]);
  // The images' NCHW transpose is the input layer's value; no layer hook reports it.
  const transpose = graph.nodes.find((n) => n.opType === 'Transpose' && n.inputs[0] === exported.inputName);
  if (transpose?.outputs[0] !== undefined) valueShapes.set(transpose.outputs[0], ['N', c, h, w]);
  for (const { value } of layerValues.values()) valueShapes.set(value.name, onnxShape(value));
  const values = new Map([...layerValues].map(([layer, { value, calls }]) => [layer, { value: value.name, calls, maskShape: exportedMaskShape(value) }]));
  return {
    graph,
    inputName: exported.inputName,
    outputName: exported.outputName,
    imageShape: [h, w, c],
    numClasses: classes,
    layerValues: values,
    valueShapes,
    encode: (g) => encodeOnnxGraph(g),
  };
}

/** The name of the mask input multiplied into `layer`'s output. */
export function maskInputName(layer: string): string {
  return `prunelens_mask:${layer}`;
}

/** Where a group's mask inputs go: one per `maskAfter` layer, shaped to broadcast over its output. */
export function maskSites(trunk: Trunk, group: ChannelGroup): MaskSite[] {
  return group.maskAfter.map((layer) => {
    const entry = trunk.layerValues.get(layer);
    if (entry === undefined) throw new PruneLensError(`internal: layer "${layer}" of group ${group.id} has no ONNX value`);
    if (entry.calls !== 1) {
      throw new PruneLensError(`the fast engine cannot mask layer "${layer}": it is called ${entry.calls} times; use --engine ort`);
    }
    if (entry.maskShape === undefined) throw new PruneLensError(`internal: layer "${layer}" has no static channel count`);
    return { value: entry.value, input: maskInputName(layer), shape: entry.maskShape };
  });
}

/** The mask vectors for a one-group plan: 1 for a kept channel, 0 for a pruned one, by mask input. */
export function maskVectors(group: ChannelGroup, plan: PrunePlan | undefined, sites: readonly MaskSite[]): Map<string, Float32Array> {
  const planned = plan?.groups.find((g) => g.id === group.id);
  if (plan !== undefined && planned === undefined) throw new PruneLensError(`internal: the plan does not cover group ${group.id}`);
  const out = new Map<string, Float32Array>();
  group.maskAfter.forEach((layer, k) => {
    const site = sites[k] as MaskSite;
    // One channel axis, every other dimension 1: the vector is as long as the shape's product.
    const vector = new Float32Array(site.shape.reduce((a, b) => a * b, 1)).fill(1);
    const spec = planned?.masks.find((m) => m.layer === layer);
    if (spec !== undefined && spec.channels !== vector.length) {
      throw new PruneLensError(`internal: the plan masks ${spec.channels} channels after "${layer}", whose output has ${vector.length}`);
    }
    for (const c of spec?.zeroed ?? []) vector[c] = 0;
    out.set(site.input, vector);
  });
  return out;
}
