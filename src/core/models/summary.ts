/**
 * Per-layer shapes, parameter counts and multiply-accumulates, counted the way PaddleSlim's
 * `flops()` counts them, so that "pruned X% of FLOPs" means the same thing here and there:
 * - Conv2D and DepthwiseConv2D: H_out * W_out * C_out * (kh * kw * C_in / groups + bias).
 * - Dense: in * out for each position it is applied at (its bias is not counted).
 * - With `onlyConv: false` (PaddleSlim's `only_conv=False`): pooling H_out * W_out * C * k * k,
 *   BatchNormalization and ReLU-like activations one per input element. Otherwise 0.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = readonly (number | null)[];

export interface LayerSummary {
  readonly name: string;
  readonly className: string;
  /** Output shape of the layer's first call (batch dimension null). */
  readonly outputShape: readonly Shape[];
  readonly params: number;
  /** Multiply-accumulates for one image, over every call of the layer. */
  readonly macs: number;
  /** The PaddleSlim name of the kernel MACs are reported under (`<layer>_weights`). */
  readonly kernelParam: string | undefined;
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

const KERNEL_CLASSES: ReadonlySet<string> = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);
const POOL_CLASSES: ReadonlySet<string> = new Set(['MaxPooling2D', 'AveragePooling2D']);
const GLOBAL_POOL_CLASSES: ReadonlySet<string> = new Set(['GlobalAveragePooling2D', 'GlobalMaxPooling2D']);
const COUNTED_ACTIVATIONS: ReadonlySet<string> = new Set(['relu', 'relu6', 'sigmoid']);

function asShapeList(shapes: tf.Shape | tf.Shape[]): Shape[] {
  const first = shapes[0];
  return Array.isArray(first) ? (shapes as tf.Shape[]) : [shapes as tf.Shape];
}

/** Product of the non-batch dimensions; unknown (null) dimensions count as 1. */
function numelPerImage(shape: Shape): number {
  return shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
}

function dim(shape: Shape | readonly number[] | undefined, index: number): number {
  const value = shape === undefined ? undefined : shape[index < 0 ? shape.length + index : index];
  return value ?? 1;
}

function kernelShape(layer: tf.layers.Layer): readonly number[] | undefined {
  const kernel = layer.weights.find((w) => /\/(depthwise_)?kernel$/.test(w.originalName));
  return kernel?.shape.map((d) => d ?? 1);
}

function usesBias(layer: tf.layers.Layer): boolean {
  return layer.weights.some((w) => w.originalName.endsWith('/bias'));
}

function channelsFirst(layer: tf.layers.Layer): boolean {
  return layer.getConfig()['dataFormat'] === 'channelsFirst';
}

/** Spatial positions and channels of a 4-D output, whichever the data format. */
function spatialAndChannels(layer: tf.layers.Layer, out: Shape): { positions: number; channels: number } {
  if (channelsFirst(layer)) return { positions: dim(out, 2) * dim(out, 3), channels: dim(out, 1) };
  return { positions: dim(out, 1) * dim(out, 2), channels: dim(out, 3) };
}

/** MACs of one call of `layer` given its input and output shapes. */
function callMacs(layer: tf.layers.Layer, input: Shape, out: Shape, onlyConv: boolean): number {
  const cls = layer.getClassName();
  const bias = usesBias(layer) ? 1 : 0;
  let macs = 0;
  if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
    const k = kernelShape(layer);
    const { positions, channels } = spatialAndChannels(layer, out);
    // Conv2D's kernel is [kh, kw, C_in / groups, C_out]; a depthwise output channel sees
    // one input channel, so its per-output work is kh * kw.
    const perOutput = cls === 'Conv2D' ? dim(k, 0) * dim(k, 1) * dim(k, 2) : dim(k, 0) * dim(k, 1);
    macs = positions * channels * (perOutput + bias);
  } else if (cls === 'Dense') {
    const k = kernelShape(layer);
    const positions = numelPerImage(out) / dim(out, -1);
    macs = positions * dim(k, 0) * dim(k, 1);
  }
  if (onlyConv) return macs;
  if (POOL_CLASSES.has(cls)) {
    const poolSize = layer.getConfig()['poolSize'];
    const [kh, kw] = Array.isArray(poolSize) ? poolSize.map(Number) : [Number(poolSize), Number(poolSize)];
    macs += numelPerImage(out) * (kh ?? 1) * (kw ?? 1);
  } else if (GLOBAL_POOL_CLASSES.has(cls)) {
    // A global pool reads every input element once.
    macs += numelPerImage(input);
  } else if (cls === 'BatchNormalization' || cls === 'ReLU') {
    macs += numelPerImage(input);
  } else if (cls === 'Activation' && COUNTED_ACTIVATIONS.has(String(layer.getConfig()['activation']))) {
    macs += numelPerImage(input);
  }
  // A fused activation inside a conv or dense is its own op in PaddlePaddle's graph.
  if (KERNEL_CLASSES.has(cls) && COUNTED_ACTIVATIONS.has(String(layer.getConfig()['activation']))) {
    macs += numelPerImage(out);
  }
  return macs;
}

/**
 * Summarises every layer of `model` (nested models appear as one row, counted in full).
 * A layer applied several times (shared weights) is counted once per call.
 */
export function summarizeModel(model: tf.LayersModel, opts: SummaryOptions = {}): ModelSummary {
  const onlyConv = opts.onlyConv ?? true;
  const layers: LayerSummary[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    let macs = 0;
    let outputShape: Shape[] = [];
    layer.inboundNodes.forEach((node, index) => {
      const outs = asShapeList(node.outputShapes);
      const ins = asShapeList(node.inputShapes);
      if (index === 0) outputShape = outs;
      const out = outs[0];
      const input = ins[0];
      if (out === undefined || input === undefined) return;
      if (layer instanceof tf.LayersModel) macs += summarizeModel(layer, opts).totalMacs;
      else macs += callMacs(layer, input, out, onlyConv);
    });
    layers.push({
      name: layer.name,
      className: cls,
      outputShape,
      params: layer.countParams(),
      macs,
      kernelParam: KERNEL_CLASSES.has(cls) ? `${layer.name}_weights` : undefined,
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
