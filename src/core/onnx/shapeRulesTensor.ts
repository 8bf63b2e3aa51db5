/**
 * Shape rules for the elementwise, layout and matrix ops: activations, BatchNormalization,
 * Add/Sub/Mul/Div (numpy broadcasting), Concat, Flatten, Reshape, Gemm, MatMul, Transpose,
 * Squeeze/Unsqueeze, Softmax and ReduceMean, plus Shape, Cast and Constant, which appear
 * before the clean-up. Axes moved from attributes to inputs over the opsets (Squeeze and
 * Unsqueeze at 13, ReduceMean at 18); both forms are read.
 */
import { attrInt, attrInts, attrTensor } from './nodeAttributes';
import { sameType, type ShapeContext, type ShapeRule } from './shapeContext';
import { broadcastShapes, dimProduct, dimsCompatible, isKnown, normalizeAxis, UNKNOWN } from './shapeDims';
import type { OnnxDim } from './types';

const sameShape: ShapeRule = (ctx) => [sameType(ctx, ctx.dims(0))];

/** Dropout's optional mask output has the input's shape, as bool. */
const dropout: ShapeRule = (ctx) => [sameType(ctx, ctx.dims(0)), { elemType: 9, shape: ctx.dims(0) }];

const broadcast: ShapeRule = (ctx) => {
  const [a, b] = [ctx.dims(0), ctx.dims(1)];
  if (a === undefined || b === undefined) return [sameType(ctx, undefined)];
  const out = broadcastShapes(a, b);
  return [sameType(ctx, typeof out === 'string' ? ctx.fail(out) : out)];
};

function axesOf(ctx: ShapeContext, rank: number, inputIndex: number, attrSince: number): number[] | undefined {
  const raw = ctx.opset < attrSince ? attrInts(ctx.node, 'axes') : ctx.constant(inputIndex);
  return raw?.map((a) => normalizeAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for rank ${rank}`));
}

const concat: ShapeRule = (ctx) => {
  const inputs = ctx.node.inputs.map((_, i) => ctx.dims(i));
  const first = inputs[0];
  if (first === undefined || inputs.some((d) => d === undefined)) return [sameType(ctx, undefined)];
  const axis = normalizeAxis(attrInt(ctx.node, 'axis', 0), first.length) ?? ctx.fail('axis is out of range');
  const out = [...first];
  const along: OnnxDim[] = [];
  for (const d of inputs as (readonly OnnxDim[])[]) {
    if (d.length !== first.length) ctx.fail(`inputs of ranks ${first.length} and ${d.length} cannot be concatenated`);
    d.forEach((v, i) => {
      if (i !== axis && !dimsCompatible(v, first[i] as OnnxDim)) ctx.fail(`inputs differ in axis ${i} (${first[i]} vs ${v})`);
    });
    along.push(d[axis] as OnnxDim);
  }
  out[axis] = along.every(isKnown) ? along.reduce((s, v) => s + v, 0) : UNKNOWN;
  return [sameType(ctx, out)];
};

const flatten: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [sameType(ctx, undefined)];
  const axis = attrInt(ctx.node, 'axis', 1);
  const a = axis < 0 ? axis + x.length : axis;
  if (a < 0 || a > x.length) ctx.fail(`axis ${axis} is out of range for rank ${x.length}`);
  return [sameType(ctx, [dimProduct(x.slice(0, a)), dimProduct(x.slice(a))])];
};

const reshape: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  const target = ctx.constant(1);
  if (target === undefined) return [sameType(ctx, undefined)];
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const out: OnnxDim[] = target.map((t, i) => (t === 0 && !allowZero ? (x?.[i] ?? UNKNOWN) : t));
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    const rest = dimProduct(out.filter((_, i) => i !== inferred));
    const total = x === undefined ? UNKNOWN : dimProduct(x);
    if (isKnown(total) && isKnown(rest)) {
      if (rest === 0 || total % rest !== 0) ctx.fail(`cannot reshape ${total} values to [${target.join(', ')}]`);
      out[inferred] = total / rest;
    } else if (x !== undefined && !isKnown(total)) {
      // Symbolic input: the sizes copied with 0 cancel out; the rest must be known.
      const copied = target.map((t, i) => (t === 0 && !allowZero ? i : -1)).filter((i) => i >= 0);
      const left = dimProduct(x.filter((_, i) => !copied.includes(i)));
      const known = dimProduct(out.filter((_, i) => i !== inferred && !copied.includes(i)));
      out[inferred] = isKnown(left) && isKnown(known) && known !== 0 ? left / known : UNKNOWN;
    } else {
      out[inferred] = UNKNOWN;
    }
  }
  return [sameType(ctx, out)];
};

const gemm: ShapeRule = (ctx) => {
  const [a, b] = [ctx.dims(0), ctx.dims(1)];
  if (a === undefined || b === undefined) return [sameType(ctx, undefined)];
  if (a.length !== 2 || b.length !== 2) ctx.fail(`expects two matrices, got ranks ${a.length} and ${b.length}`);
  const [m, ka] = attrInt(ctx.node, 'transA', 0) === 1 ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = attrInt(ctx.node, 'transB', 0) === 1 ? [b[1], b[0]] : [b[0], b[1]];
  if (!dimsCompatible(ka as OnnxDim, kb as OnnxDim)) ctx.fail(`inner sizes differ (${ka} vs ${kb})`);
  return [sameType(ctx, [m as OnnxDim, n as OnnxDim])];
};

const matMul: ShapeRule = (ctx) => {
  const [a, b] = [ctx.dims(0), ctx.dims(1)];
  if (a === undefined || b === undefined) return [sameType(ctx, undefined)];
  if (a.length === 0 || b.length === 0) ctx.fail('cannot multiply scalars');
  // numpy.matmul: a vector is promoted to a matrix, and the added axis removed again.
  const a2 = a.length === 1 ? [1, a[0] as OnnxDim] : a;
  const b2 = b.length === 1 ? [b[0] as OnnxDim, 1] : b;
  if (!dimsCompatible(a2[a2.length - 1] as OnnxDim, b2[b2.length - 2] as OnnxDim)) {
    ctx.fail(`inner sizes differ ([${a.join(', ')}] x [${b.join(', ')}])`);
  }
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  if (typeof batch === 'string') ctx.fail(batch);
  const out = [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2] as OnnxDim]), ...(b.length === 1 ? [] : [b2[b2.length - 1] as OnnxDim])];
  return [sameType(ctx, out)];
};

const transpose: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [sameType(ctx, undefined)];
  const perm = attrInts(ctx.node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  if (perm.length !== x.length || new Set(perm).size !== perm.length) ctx.fail(`perm [${perm.join(', ')}] is not a permutation of ${x.length} axes`);
  return [sameType(ctx, perm.map((p) => x[p] ?? ctx.fail(`perm [${perm.join(', ')}] is out of range`)))];
};

const squeeze: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [sameType(ctx, undefined)];
  const hasAxesInput = ctx.opset >= 13 && (ctx.node.inputs[1] ?? '') !== '';
  const axes = axesOf(ctx, x.length, 1, 13);
  if (axes === undefined) {
    if (hasAxesInput) return [sameType(ctx, undefined)];
    if (!x.every(isKnown)) return [sameType(ctx, undefined)];
    return [sameType(ctx, x.filter((d) => d !== 1))];
  }
  for (const a of axes) if (isKnown(x[a]) && x[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x[a]}`);
  return [sameType(ctx, x.filter((_, i) => !axes.includes(i)))];
};

const unsqueeze: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  const raw = ctx.opset < 13 ? attrInts(ctx.node, 'axes') : ctx.constant(1);
  if (x === undefined || raw === undefined) return [sameType(ctx, undefined)];
  const rank = x.length + raw.length;
  const axes = raw.map((a) => normalizeAxis(a, rank) ?? ctx.fail(`axis ${a} is out of range for rank ${rank}`));
  const out: OnnxDim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : (x[next++] as OnnxDim));
  return [sameType(ctx, out)];
};

const reduceMean: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [sameType(ctx, undefined)];
  const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
  let axes = axesOf(ctx, x.length, 1, 18);
  if (axes === undefined) {
    if (ctx.opset >= 18 && (ctx.node.inputs[1] ?? '') !== '') return [sameType(ctx, undefined)];
    if (attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [sameType(ctx, x)];
    axes = x.map((_, i) => i);
  }
  const reduced = axes;
  return [sameType(ctx, keep ? x.map((d, i) => (reduced.includes(i) ? 1 : d)) : x.filter((_, i) => !reduced.includes(i)))];
};

const shape: ShapeRule = (ctx) => {
  const x = ctx.dims(0);
  if (x === undefined) return [{ elemType: 7, shape: [UNKNOWN] }];
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + x.length : v, 0), x.length);
  const start = norm(attrInt(ctx.node, 'start', 0));
  const end = norm(attrInt(ctx.node, 'end', x.length));
  return [{ elemType: 7, shape: [Math.max(0, end - start)] }];
};

const cast: ShapeRule = (ctx) => [{ elemType: attrInt(ctx.node, 'to', 0), shape: ctx.dims(0) }];

const constant: ShapeRule = (ctx) => {
  const t = attrTensor(ctx.node, 'value');
  if (t !== undefined) return [{ elemType: t.dataType, shape: t.dims }];
  const ints = attrInts(ctx.node, 'value_ints');
  if (ints !== undefined) return [{ elemType: 7, shape: [ints.length] }];
  if (ctx.node.attributes.some((a) => a.name === 'value_int')) return [{ elemType: 7, shape: [] }];
  if (ctx.node.attributes.some((a) => a.name === 'value_float')) return [{ elemType: 1, shape: [] }];
  return [undefined];
};

export const TENSOR_SHAPE_RULES: ReadonlyMap<string, ShapeRule> = new Map<string, ShapeRule>([
  ...['Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Softmax', 'Identity', 'BatchNormalization'].map((op): [string, ShapeRule] => [op, sameShape]),
  ...['Add', 'Sub', 'Mul', 'Div'].map((op): [string, ShapeRule] => [op, broadcast]),
  ['Dropout', dropout],
  ['Concat', concat],
  ['Flatten', flatten],
  ['Reshape', reshape],
  ['Gemm', gemm],
  ['MatMul', matMul],
  ['Transpose', transpose],
  ['Squeeze', squeeze],
  ['Unsqueeze', unsqueeze],
  ['ReduceMean', reduceMean],
  ['Shape', shape],
  ['Cast', cast],
  ['Constant', constant],
]);
