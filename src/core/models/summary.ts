/**
 * Per-layer shapes, parameter counts and multiply-accumulates, counted the way PaddleSlim's
 * `flops()` counts them, so that "pruned X% of FLOPs" means the same thing here and there.
 * How each class counts is its registry entry's MAC facet (src/core/layers); by default only
 * convolutions and Dense layers count (PaddleSlim's `only_conv=True`), and with
 * `onlyConv: false` pooling, normalisation and activations add their elementwise work.
 */
import * as tf from '@tensorflow/tfjs';
import { layerClass } from '../layers/registry';
import { weightShapesOf } from './layerShapes';
import type { MacsCall, MacsTerm, Shape } from '../layers/types';
import { UsageError } from '../util/errors';

export interface LayerSummary {
  readonly name: string;
  readonly className: string;
  /** Output shape of the layer's first call (batch dimension null). */
  readonly outputShape: readonly Shape[];
  readonly params: number;
  /** Multiply-accumulates for one image, over every call of the layer. */
  readonly macs: number;
  /**
   * The counted MACs split by the weights behind them (over every call), with the weight
   * axes that scale them when channels are pruned; empty for a layer without counted MACs.
   */
  readonly terms: readonly MacsTerm[];
  /** The PaddleSlim name of the kernel MACs are reported under (`<layer>_weights`). */
  readonly kernelParam: string | undefined;
  /** The channels its output carries, where they are not on the last axis (ONNX: axis 1). */
  readonly channels?: number;
}

export interface ModelSummary {
  readonly layers: readonly LayerSummary[];
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly totalMacs: number;
}

export interface SummaryOptions {
  /** Count only convolutions and Dense layers (PaddleSlim's default). Default true. */
  readonly onlyConv?: boolean;
}

function asShapeList(shapes: tf.Shape | tf.Shape[]): Shape[] {
  const first = shapes[0];
  return Array.isArray(first) ? (shapes as tf.Shape[]) : [shapes as tf.Shape];
}

/** The name of the layer's analysable (or any) kernel parameter, for MAC listings by parameter. */
function kernelParamOf(layer: tf.layers.Layer): string | undefined {
  const facets = layerClass(layer.getClassName())?.weights ?? {};
  const kernel = Object.entries(facets).find(([, f]) => f.outChannels !== undefined);
  return kernel === undefined ? undefined : `${layer.name}${kernel[1].suffix}`;
}

/**
 * Summarises every layer of `model` (nested models appear as one row, counted in full).
 * A layer applied several times (shared weights) is counted once per call.
 */
export function summarizeModel(model: tf.LayersModel, opts: SummaryOptions = {}): ModelSummary {
  const onlyConv = opts.onlyConv ?? true;
  for (const input of model.inputs) {
    // MACs grow with the image; counting an open size as 1 would be a silent guess.
    if (input.shape.slice(1).some((d) => d === null)) {
      const shown = input.shape.slice(1).map((d) => d ?? '?').join(', ');
      throw new UsageError(`model '${model.name}' takes images of any size ([${shown}]), and its MACs depend on the size: give one with --input-shape H,W,C`);
    }
  }
  const layers: LayerSummary[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const entry = layerClass(cls);
    const weights = weightShapesOf(layer);
    let macs = 0;
    const terms: MacsTerm[] = [];
    let outputShape: Shape[] = [];
    layer.inboundNodes.forEach((node, index) => {
      const outs = asShapeList(node.outputShapes);
      const ins = asShapeList(node.inputShapes);
      if (index === 0) outputShape = outs;
      const out = outs[0];
      const input = ins[0];
      if (out === undefined || input === undefined) return;
      if (layer instanceof tf.LayersModel) {
        // A nested model counts in full as one row; its MACs scale with nothing here.
        const inner = summarizeModel(layer, opts).totalMacs;
        macs += inner;
        terms.push({ macs: inner, params: layer.countParams(), scaledBy: [] });
        return;
      }
      const call: MacsCall = { config: layer.getConfig() as Record<string, unknown>, inputShape: input, outputShape: out, weights };
      const counted = entry?.macs.counted(call) ?? [];
      terms.push(...counted.filter((t) => t.macs > 0 || t.params > 0));
      macs += counted.reduce((n, t) => n + t.macs, 0) + (onlyConv ? 0 : (entry?.macs.elementwise?.(call) ?? 0));
    });
    layers.push({
      name: layer.name,
      className: cls,
      outputShape,
      params: layer.countParams(),
      macs,
      terms,
      kernelParam: kernelParamOf(layer),
    });
  }
  const trainableParams = model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((m, d) => m * (d ?? 1), 1), 0);
  return {
    layers,
    totalParams: model.countParams(),
    trainableParams,
    totalMacs: layers.reduce((n, l) => n + l.macs, 0),
  };
}

function formatShape(shapes: readonly Shape[]): string {
  return shapes.map((s) => `[${s.map((d) => (d === null ? 'N' : String(d))).join(',')}]`).join(' ');
}

/** A plain-text table of the summary, for the CLI and logs. */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [l.name, l.className, formatShape(l.outputShape), String(l.params), String(l.macs)]);
  const header = ['layer', 'class', 'output', 'params', 'MACs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [
    line(header),
    ...rows.map(line),
    `total params ${summary.totalParams} (trainable ${summary.trainableParams}), total MACs ${summary.totalMacs}`,
  ].join('\n');
}
