/**
 * Shape rules for the ops that slide over or resize the spatial axes of an N x C x D1 x ...
 * tensor: Conv, ConvTranspose, MaxPool, AveragePool, the global pools, Pad and Resize. The
 * arithmetic follows the ONNX operator specs (and ONNX Runtime, which the tests check it
 * against), including auto_pad and the ceil_mode rule that drops a last window starting in
 * the end padding.
 */
import { attrInt, attrInts, attrString } from './nodeAttributes';
import { sameType, type ShapeContext, type ShapeRule } from './shapeContext';
import { isKnown, mapDim, normalizeAxis, UNKNOWN } from './shapeDims';
import type { OnnxDim } from './types';

interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Begin pads then end pads, one per spatial axis each. */
  readonly pads: readonly number[];
  readonly autoPad: string;
}

function windowOf(ctx: ShapeContext, kernel: readonly number[]): Window {
  const n = kernel.length;
  const ones = new Array<number>(n).fill(1);
  const window = {
    kernel,
    strides: attrInts(ctx.node, 'strides') ?? ones,
    dilations: attrInts(ctx.node, 'dilations') ?? ones,
    pads: attrInts(ctx.node, 'pads') ?? new Array<number>(2 * n).fill(0),
    autoPad: attrString(ctx.node, 'auto_pad', 'NOTSET'),
  };
  if (window.strides.length !== n || window.dilations.length !== n || window.pads.length !== 2 * n) {
    ctx.fail(`strides, dilations and pads must match the ${n} spatial axes of kernel_shape [${kernel.join(', ')}]`);
  }
  return window;
}

/**
 * Output size of one spatial axis of a Conv or a pool. Under auto_pad SAME a Conv gives
 * ceil(size / stride); ONNX Runtime's pools instead pad for the undilated kernel and then
 * slide the dilated one, which differs only for dilated SAME pooling, and is followed here.
 */
function slidingSize(ctx: ShapeContext, size: OnnxDim, w: Window, axis: number, ceilMode: boolean, isPool: boolean): OnnxDim {
  const k = w.kernel[axis] as number;
  const s = w.strides[axis] as number;
  const extent = (w.dilations[axis] as number) * (k - 1) + 1;
  const same = w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER';
  if (same && !isPool) return mapDim(size, (n) => Math.ceil(n / s));
  const out = mapDim(size, (n) => {
    let begin = w.pads[axis] as number;
    let total = begin + (w.pads[axis + w.kernel.length] as number);
    if (w.autoPad === 'VALID') [begin, total] = [0, 0];
    if (same) {
      total = (Math.ceil(n / s) - 1) * s + k - n;
      begin = w.autoPad === 'SAME_LOWER' ? Math.floor((total + 1) / 2) : Math.floor(total / 2);
    }
    const span = n + total - extent;
    if (!ceilMode) return Math.floor(span / s) + 1;
    const size = Math.ceil(span / s) + 1;
    // A last window that would start inside the end padding is dropped.
    return (size - 1) * s >= n + begin ? size - 1 : size;
  });
  if (isKnown(out) && out < 1) ctx.fail(`a ${size}-wide axis is too small for the kernel (${k}, dilation ${w.dilations[axis]}, stride ${s})`);
  return out;
}

function spatialInput(ctx: ShapeContext): readonly OnnxDim[] | undefined {
  const x = ctx.dims(0);
  if (x !== undefined && x.length < 3) ctx.fail(`expects an N x C x spatial input, got rank ${x.length}`);
  return x;
}

const conv: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const w = ctx.dims(1);
  if (x === undefined || w === undefined) return [sameType(ctx, undefined)];
  if (w.length !== x.length) ctx.fail(`weight rank ${w.length} does not match input rank ${x.length}`);
  const group = attrInt(ctx.node, 'group', 1);
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.slice(2).map((d) => (isKnown(d) ? d : ctx.fail('kernel size is not static')));
  const [c, wc] = [x[1] as OnnxDim, w[1] as OnnxDim];
  if (isKnown(c) && isKnown(wc) && c !== wc * group) ctx.fail(`input has ${c} channels but the weight expects ${wc} x group ${group}`);
  const win = windowOf(ctx, kernel);
  return [sameType(ctx, [x[0] as OnnxDim, w[0] as OnnxDim, ...x.slice(2).map((d, i) => slidingSize(ctx, d, win, i, false, false))])];
};

const convTranspose: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const w = ctx.dims(1);
  if (x === undefined || w === undefined) return [sameType(ctx, undefined)];
  const group = attrInt(ctx.node, 'group', 1);
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.slice(2).map((d) => (isKnown(d) ? d : ctx.fail('kernel size is not static')));
  const win = windowOf(ctx, kernel);
  const rank = kernel.length;
  const outPad = attrInts(ctx.node, 'output_padding') ?? new Array<number>(rank).fill(0);
  const given = attrInts(ctx.node, 'output_shape');
  const spatial = x.slice(2).map((d, i): OnnxDim => {
    if (given !== undefined) return given[given.length - rank + i] as number;
    const s = win.strides[i] as number;
    if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return mapDim(d, (n) => n * s);
    const extent = (win.dilations[i] as number) * ((kernel[i] as number) - 1) + 1;
    const pads = win.autoPad === 'VALID' ? 0 : (win.pads[i] as number) + (win.pads[i + rank] as number);
    return mapDim(d, (n) => s * (n - 1) + (outPad[i] as number) + extent - pads);
  });
  return [sameType(ctx, [x[0] as OnnxDim, mapDim(w[1] as OnnxDim, (m) => m * group), ...spatial])];
};

const pool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? ctx.fail('has no kernel_shape');
  if (x === undefined) return [sameType(ctx, undefined)];
  if (kernel.length !== x.length - 2) ctx.fail(`kernel_shape has ${kernel.length} axes, the input ${x.length - 2} spatial axes`);
  const win = windowOf(ctx, kernel);
  const ceil = attrInt(ctx.node, 'ceil_mode', 0) === 1;
  const out = [x[0] as OnnxDim, x[1] as OnnxDim, ...x.slice(2).map((d, i) => slidingSize(ctx, d, win, i, ceil, true))];
  // MaxPool's optional second output (indices) has the same shape, as int64.
  return [sameType(ctx, out), { elemType: 7, shape: out }];
};

const globalPool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  return [sameType(ctx, x === undefined ? undefined : [x[0] as OnnxDim, x[1] as OnnxDim, ...x.slice(2).map(() => 1)])];
};

const pad: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [sameType(ctx, undefined)];
  const pads = ctx.opset < 11 ? attrInts(ctx.node, 'pads') : ctx.constant(1);
  if (pads === undefined) return [sameType(ctx, x.map(() => UNKNOWN))];
  const axes = (ctx.constant(3) ?? x.map((_, i) => i)).map((a) => normalizeAxis(a, x.length) ?? ctx.fail(`axis ${a} is out of range`));
  if (pads.length !== 2 * axes.length) ctx.fail(`has ${pads.length} pads for ${axes.length} axes`);
  const out = [...x];
  axes.forEach((a, i) => {
    const added = (pads[i] as number) + (pads[i + axes.length] as number);
    // An axis padded by nothing keeps its size, symbolic or not (PyTorch pads N and C by 0).
    if (pads[i] !== 0 || pads[i + axes.length] !== 0) out[a] = mapDim(x[a] as OnnxDim, (n) => n + added);
  });
  return [sameType(ctx, out)];
};

const resize: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [sameType(ctx, undefined)];
  const axes = (attrInts(ctx.node, 'axes') ?? x.map((_, i) => i)).map((a) => normalizeAxis(a, x.length) ?? ctx.fail(`axis ${a} is out of range`));
  const sizes = ctx.constant(3);
  const scales = ctx.constant(2);
  const out = [...x];
  if (sizes !== undefined && sizes.length > 0) {
    if (attrString(ctx.node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') return [sameType(ctx, x.map(() => UNKNOWN))];
    axes.forEach((a, i) => (out[a] = sizes[i] as number));
  } else if (scales !== undefined && scales.length > 0) {
    axes.forEach((a, i) => (out[a] = mapDim(x[a] as OnnxDim, (n) => Math.floor(n * (scales[i] as number)))));
  } else if (hasComputedScaleOrSize(ctx)) {
    return [sameType(ctx, x.map(() => UNKNOWN))];
  } else {
    ctx.fail('has neither scales nor sizes');
  }
  return [sameType(ctx, out)];
};

/** Whether a Resize has scales or sizes that are computed rather than constant. */
function hasComputedScaleOrSize(ctx: ShapeContext): boolean {
  return [2, 3].some((i) => (ctx.node.inputs[i] ?? '') !== '' && ctx.constant(i) === undefined);
}

export const SPATIAL_SHAPE_RULES: ReadonlyMap<string, ShapeRule> = new Map([
  ['Conv', conv],
  ['ConvTranspose', convTranspose],
  ['MaxPool', pool],
  ['AveragePool', pool],
  ['GlobalAveragePool', globalPool],
  ['GlobalMaxPool', globalPool],
  ['Pad', pad],
  ['Resize', resize],
]);
