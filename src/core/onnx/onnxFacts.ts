/**
 * What the describe job, `info`, `flops` and `params` list about an ONNX model, from its
 * ModelGraph (src/core/graph/fromOnnx.ts) and the ONNX op registry: every weight with its
 * parameter name, per-node MACs by the same definition as for TF.js models (PaddleSlim's
 * flops(): convolutions and Gemm/MatMul by default, the elementwise work with --all-layers),
 * and a fingerprint of what determines the outputs.
 */
import { createHash } from 'node:crypto';
import { channelCountOf, type GraphCall } from '../graph/modelGraph';
import type { OnnxGraphView } from '../graph/fromOnnx';
import type { MacsCall, MacsTerm } from '../layers/types';
import { canonicalJson } from '../models/fingerprint';
import type { ParamInfo } from '../models/naming';
import type { LayerSummary, ModelSummary, SummaryOptions } from '../models/summary';
import { littleEndianBytes } from './tensorData';
import type { OnnxIrModel } from './types';

const FINGERPRINT_VERSION = 'prunelens-onnx-fingerprint-v1';

/** BatchNormalization's running statistics are not trained (as TF.js's moving mean and variance). */
const NOT_TRAINED: ReadonlySet<string> = new Set(['input_mean', 'input_var']);

/** Every weight with its parameter name, in network order; a weight several nodes read is listed once, at its first reader. */
export function onnxParams(view: OnnxGraphView): ParamInfo[] {
  const seen = new Set<string>();
  const params: ParamInfo[] = [];
  for (const call of view.graph.calls) {
    for (const w of call.weights) {
      if (seen.has(w.param)) continue;
      seen.add(w.param);
      const facet = call.entry?.weights[w.weight];
      params.push({
        name: w.param,
        layerName: call.name,
        layerClass: call.className,
        role: w.weight,
        shape: w.shape,
        outChannels: facet?.outChannels?.(w.shape, call.config),
        analysable: facet?.analysable === true,
        variablePath: view.initializerOf.get(w.param) ?? w.param,
      });
    }
  }
  return params;
}

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function callSummary(call: GraphCall, owned: (param: string) => boolean, onlyConv: boolean): LayerSummary {
  const macsCall: MacsCall = {
    config: call.config,
    inputShape: call.inputs[0]?.shape ?? [],
    outputShape: call.outputs[0]?.shape ?? [],
    weights: new Map(call.weights.map((w) => [w.weight, w.shape])),
  };
  const counted: MacsTerm[] = call.entry?.macs.counted(macsCall) ?? [];
  const macs = counted.reduce((n, t) => n + t.macs, 0) + (onlyConv ? 0 : (call.entry?.macs.elementwise?.(macsCall) ?? 0));
  const kernel = call.weights.find((w) => call.entry?.weights[w.weight]?.outChannels !== undefined);
  const output = call.outputs[0];
  return {
    name: call.name,
    className: call.className,
    outputShape: call.outputs.map((t) => t.shape),
    params: call.weights.filter((w) => owned(w.param)).reduce((n, w) => n + elements(w.shape), 0),
    macs,
    terms: counted.filter((t) => t.macs > 0 || t.params > 0),
    kernelParam: kernel?.param,
    ...(output !== undefined ? { channels: channelCountOf(output) } : {}),
  };
}

/** Per-node shapes, parameters and MACs; a shared weight counts for its first reader. */
export function onnxSummary(view: OnnxGraphView, opts: SummaryOptions = {}): ModelSummary {
  const onlyConv = opts.onlyConv ?? true;
  const counted = new Set<string>();
  const owned = (param: string): boolean => {
    if (counted.has(param)) return false;
    counted.add(param);
    return true;
  };
  const layers = view.graph.calls.map((call) => callSummary(call, owned, onlyConv));
  const weights = new Map(view.graph.calls.flatMap((c) => c.weights.map((w) => [w.param, w] as const)));
  const totalParams = [...weights.values()].reduce((n, w) => n + elements(w.shape), 0);
  const trainableParams = [...weights.values()].filter((w) => !NOT_TRAINED.has(w.weight)).reduce((n, w) => n + elements(w.shape), 0);
  return { layers, totalParams, trainableParams, totalMacs: layers.reduce((n, l) => n + l.macs, 0) };
}

/**
 * sha256 over the cleaned graph (nodes with their attributes, the interface) and every
 * initializer's name, type, dims and bytes; names and values that do not change the
 * outputs (doc strings, producer) are left out.
 */
export function onnxFingerprint(model: OnnxIrModel): string {
  const hash = createHash('sha256');
  hash.update(`${FINGERPRINT_VERSION}\n`);
  const g = model.graph;
  const attributes = (n: OnnxIrModel['graph']['nodes'][number]): unknown[] => n.attributes.map((a) => (a.kind === 'other' ? { name: a.name, kind: a.kind } : a.kind === 'tensor' ? { name: a.name, dims: a.value.dims } : a));
  hash.update(
    canonicalJson({
      opsets: model.opsetImports,
      inputs: g.inputs,
      outputs: g.outputs,
      nodes: g.nodes.map((n) => ({ name: n.name, op: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attributes: attributes(n) })),
    }),
  );
  for (const t of [...g.initializers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`\n${canonicalJson({ name: t.name, dataType: t.dataType, dims: t.dims })}\n`);
    hash.update(littleEndianBytes(t.data));
  }
  return hash.digest('hex');
}
