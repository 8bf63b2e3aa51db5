/**
 * An ONNX classifier as a TF.js LayersModel, for training with PruneLens's trainer, and the
 * trained weights written back into the ONNX graph. Each node becomes layers through its
 * registry entry's import facet (src/core/layers/onnx); NCHW images are held NHWC, weights
 * are permuted on the way in (OIHW -> HWIO) and back on the way out, so the written model
 * is the source graph, node for node, with new initializer values: the original interface.
 *
 * What cannot be imported is refused in one error that names every node (op and name).
 */
import * as tf from '@tensorflow/tfjs';
import type { OnnxGraphView } from '../../graph/fromOnnx';
import type { ImportedValue, TfjsImportContext, WeightLink } from '../../layers/onnx/importTypes';
import { onnxOpClass } from '../../layers/onnx/registry';
import { listed } from '../../../shared/format';
import { PruneLensError } from '../../util/errors';
import { classifierInterface } from '../evalGraph';
import { nodeLabel } from '../nodeAttributes';
import type { ShapeMap } from '../shapeInference';
import type { OnnxIrModel, OnnxIrTensor } from '../types';
import { ImportRefusal } from './importUtil';

export interface ImportedModel {
  readonly model: tf.LayersModel;
  /** Which TF.js weight each imported initializer became. */
  readonly links: readonly WeightLink[];
}

/** How many refused nodes the error lists before "and N more". */
const LISTED = 8;

class LayerNames {
  private readonly taken = new Set<string>();

  /** A TF.js layer name from an ONNX name: path separators become underscores, and it is unique. */
  name(base: string, suffix?: string): string {
    const clean = `${base}${suffix === undefined ? '' : `_${suffix}`}`.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[_.]+/, '') || 'node';
    let name = clean;
    for (let i = 1; this.taken.has(name); i++) name = `${clean}_${i}`;
    this.taken.add(name);
    return name;
  }
}

function setWeights(model: tf.LayersModel, links: readonly WeightLink[], initializers: ReadonlyMap<string, OnnxIrTensor>): void {
  for (const link of links) {
    const variable = model.getLayer(link.layer).weights.find((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1) === link.weight);
    const t = initializers.get(link.initializer);
    if (variable === undefined || t === undefined || !(t.data instanceof Float32Array)) throw new PruneLensError(`internal: no weight ${link.layer}/${link.weight} for initializer "${link.initializer}"`);
    const value = tf.tensor(link.toTfjs(t.data), variable.shape.map((d) => d ?? 0));
    variable.write(value);
    value.dispose();
  }
}

/** Imports a cleaned ONNX model (its shapes and ModelGraph view at hand) into TF.js. */
export function importOnnxModel(model: OnnxIrModel, shapes: ShapeMap, view: OnnxGraphView): ImportedModel {
  const io = classifierInterface(model, shapes, view.graph);
  const initializers = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const names = new LayerNames();
  const input = tf.input({ shape: [...io.imageShape], name: names.name(io.input) });
  const values = new Map<string, ImportedValue>([[io.input, { tensor: input, layout: io.nhwc ? 'plain' : 'image' }]]);
  const links: WeightLink[] = [];
  const linkedBy = new Map<string, string>();
  const refused: string[] = [];
  model.graph.nodes.forEach((node, k) => {
    const call = view.graph.calls[k];
    const inputs = call?.inputs.map((t) => values.get(t.id));
    // A node after a refused one is not refused again: the first refusal is what to fix.
    if (call === undefined || inputs === undefined || inputs.some((v) => v === undefined)) return;
    const entry = onnxOpClass(node.opType);
    const facet = entry?.tfjs ?? { unsupported: 'an op PruneLens does not know' };
    if ('unsupported' in facet) {
      refused.push(`${nodeLabel(node)}: ${facet.unsupported}`);
      return;
    }
    const entryInputs = entry?.inputs ?? [];
    const ctx: TfjsImportContext = {
      name: call.name,
      opType: node.opType,
      config: call.config,
      inputs: inputs as ImportedValue[],
      inputShapes: call.inputs.map((t) => t.shape),
      outputShape: call.outputs[0]?.shape ?? [],
      weight: (name) => initializers.get(node.inputs[entryInputs.indexOf(name)] ?? ''),
      layerName: (suffix) => names.name(call.name, suffix),
      link: (link) => {
        const other = linkedBy.get(link.initializer);
        if (other !== undefined) throw new ImportRefusal(`it shares initializer "${link.initializer}" with node "${other}"; training would untie them`);
        linkedBy.set(link.initializer, call.name);
        links.push(link);
      },
    };
    try {
      values.set(node.outputs[0] as string, facet.convert(ctx));
    } catch (err) {
      if (!(err instanceof ImportRefusal)) throw err;
      refused.push(`${nodeLabel(node)}: ${err.message}`);
    }
  });
  if (refused.length > 0) {
    throw new PruneLensError(`cannot be imported into TF.js for training: ${listed(refused, LISTED)}`, model.file);
  }
  const output = values.get(io.output);
  if (output === undefined || output.layout !== 'plain' || output.tensor.shape.length !== 2) throw new PruneLensError(`internal: output "${io.output}" was not imported as [N, classes]`, model.file);
  const tfModel = tf.model({ inputs: input, outputs: output.tensor, name: names.name(view.graph.name) });
  setWeights(tfModel, links, initializers);
  return { model: tfModel, links };
}

/** `model` with the trained values of every linked weight of `trained` in its initializers. */
export function writeBackWeights(model: OnnxIrModel, trained: tf.LayersModel, links: readonly WeightLink[]): OnnxIrModel {
  const values = new Map<string, Float32Array>();
  for (const link of links) {
    const variable = trained.getLayer(link.layer).weights.find((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1) === link.weight);
    if (variable === undefined) throw new PruneLensError(`internal: the trained model has no weight ${link.layer}/${link.weight}`);
    values.set(link.initializer, link.toOnnx(variable.read().dataSync() as Float32Array));
  }
  const initializers = model.graph.initializers.map((t) => {
    const v = values.get(t.name);
    return v === undefined ? t : { ...t, data: v };
  });
  return { ...model, graph: { ...model.graph, initializers } };
}
