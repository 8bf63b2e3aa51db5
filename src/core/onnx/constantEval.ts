/**
 * Evaluation of the small index and shape computations exporters put in front of Reshape,
 * Pad and friends (Shape, Gather, Unsqueeze, Concat, Cast, Slice, ...). Elements are
 * numbers or symbolic sizes: `x.view(x.size(0), -1)` with a dynamic batch computes
 * ["batch", -1], which the clean-up can still turn into the constant shape [0, -1].
 * Anything else (an op not listed, arithmetic on a symbol, a large tensor) is "not
 * foldable" (undefined) and left in the graph.
 */
import { attrInt, attrInts, attrTensor } from './nodeAttributes';
import { broadcastShapes, normalizeAxis } from './shapeDims';
import { tensorNumbers } from './tensorData';
import { OnnxElem, elementCount, type OnnxDim, type OnnxIrNode, type OnnxIrTensor } from './types';

/** A small tensor whose elements are numbers or symbolic sizes. */
export interface SymTensor {
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly values: readonly OnnxDim[];
}

/** Tensors larger than this are never folded: shape computations are tiny, weights are not. */
export const MAX_FOLD_ELEMENTS = 4096;

export function symFromTensor(t: OnnxIrTensor): SymTensor | undefined {
  if (t.data.length > MAX_FOLD_ELEMENTS) return undefined;
  return { dataType: t.dataType, dims: t.dims, values: tensorNumbers(t) };
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i] as number;
  }
  return s;
}

/** Builds a tensor of `dims` whose element at each coordinate is `at(coords)`. */
function generate(dataType: number, dims: readonly number[], at: (coords: number[]) => OnnxDim): SymTensor {
  const strides = stridesOf(dims);
  const values = Array.from({ length: elementCount(dims) }, (_, flat) => at(dims.map((d, i) => Math.floor(flat / (strides[i] as number)) % d)));
  return { dataType, dims, values };
}

function elementAt(t: SymTensor, coords: readonly number[]): OnnxDim {
  const strides = stridesOf(t.dims);
  return t.values[coords.reduce((s, c, i) => s + c * (strides[i] as number), 0)] as OnnxDim;
}

function numbersOf(t: SymTensor | undefined): number[] | undefined {
  return t !== undefined && t.values.every((v) => typeof v === 'number') ? (t.values as number[]) : undefined;
}

function gather(data: SymTensor, indices: SymTensor, axisAttr: number): SymTensor | undefined {
  const axis = normalizeAxis(axisAttr, data.dims.length);
  const idx = numbersOf(indices);
  if (axis === undefined || idx === undefined) return undefined;
  const size = data.dims[axis] as number;
  const q = indices.dims.length;
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  return generate(data.dataType, dims, (c) => {
    const i = elementAt({ ...indices, values: idx }, c.slice(axis, axis + q)) as number;
    return elementAt(data, [...c.slice(0, axis), i < 0 ? i + size : i, ...c.slice(axis + q)]);
  });
}

function concat(inputs: readonly SymTensor[], axisAttr: number): SymTensor | undefined {
  const first = inputs[0];
  if (first === undefined) return undefined;
  const axis = normalizeAxis(axisAttr, first.dims.length);
  if (axis === undefined) return undefined;
  const dims = [...first.dims];
  dims[axis] = inputs.reduce((s, t) => s + (t.dims[axis] as number), 0);
  const owner: [SymTensor, number][] = [];
  for (const t of inputs) for (let k = 0; k < (t.dims[axis] as number); k++) owner.push([t, k]);
  return generate(first.dataType, dims, (c) => {
    const [t, k] = owner[c[axis] as number] as [SymTensor, number];
    return elementAt(t, c.map((v, i) => (i === axis ? k : v)));
  });
}

function slice(data: SymTensor, starts: number[], ends: number[], axesIn?: number[], stepsIn?: number[]): SymTensor | undefined {
  const rank = data.dims.length;
  const axes = (axesIn ?? starts.map((_, i) => i)).map((a) => normalizeAxis(a, rank));
  if (axes.some((a) => a === undefined)) return undefined;
  const begin = data.dims.map(() => 0);
  const step = data.dims.map(() => 1);
  const dims = [...data.dims];
  axes.forEach((a, i) => {
    const ax = a as number;
    const d = data.dims[ax] as number;
    const st = stepsIn?.[i] ?? 1;
    const norm = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const s = st > 0 ? norm(starts[i] as number, 0, d) : norm(starts[i] as number, 0, d - 1);
    const e = st > 0 ? norm(ends[i] as number, 0, d) : norm(ends[i] as number, -1, d - 1);
    begin[ax] = s;
    step[ax] = st;
    dims[ax] = Math.max(0, Math.ceil((e - s) / st));
  });
  return generate(data.dataType, dims, (c) => elementAt(data, c.map((v, i) => (begin[i] as number) + v * (step[i] as number))));
}

function transpose(data: SymTensor, permAttr: readonly number[] | undefined): SymTensor {
  const perm = permAttr ?? data.dims.map((_, i) => data.dims.length - 1 - i);
  const dims = perm.map((p) => data.dims[p] as number);
  return generate(data.dataType, dims, (c) => {
    const src = new Array<number>(c.length);
    perm.forEach((p, i) => (src[p] = c[i] as number));
    return elementAt(data, src);
  });
}

function reshapeDims(data: SymTensor, target: number[], allowZero: boolean): number[] | undefined {
  const out = target.map((t, i) => (t === 0 && !allowZero ? (data.dims[i] as number) : t));
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    const rest = out.reduce((p, v, i) => (i === inferred ? p : p * v), 1);
    if (rest === 0) return undefined;
    out[inferred] = data.values.length / rest;
  }
  return elementCount(out) === data.values.length ? out : undefined;
}

function arithmetic(op: string, a: SymTensor, b: SymTensor): SymTensor | undefined {
  const dims = broadcastShapes(a.dims, b.dims);
  if (typeof dims === 'string') return undefined;
  const integer = a.dataType !== OnnxElem.FLOAT && a.dataType !== OnnxElem.DOUBLE && a.dataType !== OnnxElem.FLOAT16;
  let foldable = true;
  const pick = (t: SymTensor, c: number[]): OnnxDim => elementAt(t, c.slice(c.length - t.dims.length).map((v, i) => (t.dims[i] === 1 ? 0 : v)));
  const result = generate(a.dataType, dims as number[], (c) => {
    const [x, y] = [pick(a, c), pick(b, c)];
    if (typeof x === 'number' && typeof y === 'number') {
      if (op === 'Add') return x + y;
      if (op === 'Sub') return x - y;
      if (op === 'Mul') return x * y;
      return integer ? Math.trunc(x / y) : x / y;
    }
    // A symbol survives only the identities (x + 0, x - 0, x * 1, x / 1, 1 * x, 0 + x).
    if (typeof y === 'number' && ((y === 0 && (op === 'Add' || op === 'Sub')) || (y === 1 && (op === 'Mul' || op === 'Div')))) return x;
    if (typeof x === 'number' && ((x === 0 && op === 'Add') || (x === 1 && op === 'Mul'))) return y;
    foldable = false;
    return 0;
  });
  return foldable ? result : undefined;
}

function cast(data: SymTensor, to: number): SymTensor | undefined {
  const toFloat = to === OnnxElem.FLOAT || to === OnnxElem.DOUBLE || to === OnnxElem.FLOAT16;
  if (toFloat && data.values.some((v) => typeof v !== 'number')) return undefined;
  return { dataType: to, dims: data.dims, values: toFloat ? data.values : data.values.map((v) => (typeof v === 'number' ? Math.trunc(v) : v)) };
}

function constantNode(node: OnnxIrNode): SymTensor | undefined {
  const t = attrTensor(node, 'value');
  if (t !== undefined) return symFromTensor(t);
  const ints = attrInts(node, 'value_ints');
  if (ints !== undefined) return { dataType: OnnxElem.INT64, dims: [ints.length], values: ints };
  const int = node.attributes.find((a) => a.name === 'value_int');
  if (int?.kind === 'int') return { dataType: OnnxElem.INT64, dims: [], values: [int.value] };
  const float = node.attributes.find((a) => a.name === 'value_float');
  if (float?.kind === 'float') return { dataType: OnnxElem.FLOAT, dims: [], values: [float.value] };
  const floats = node.attributes.find((a) => a.name === 'value_floats');
  if (floats?.kind === 'floats') return { dataType: OnnxElem.FLOAT, dims: [floats.value.length], values: floats.value };
  return undefined;
}

/** Ops the folder evaluates. */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set([
  'Constant', 'Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'Slice', 'Reshape', 'Transpose',
  'ConstantOfShape', 'Identity', 'Add', 'Sub', 'Mul', 'Div',
]);

/**
 * The value of a foldable node's first output, given its inputs' values (`inputs[i]`
 * undefined: absent or not known) and, for Shape, its input's static shape.
 */
export function evaluateNode(node: OnnxIrNode, inputs: readonly (SymTensor | undefined)[], opset: number, shapeOfInput?: readonly OnnxDim[]): SymTensor | undefined {
  const [x, y] = [inputs[0], inputs[1]];
  const missing = node.inputs.some((n, i) => n !== '' && inputs[i] === undefined);
  // Shape reads only its input's shape; every other op needs all its present inputs.
  if (node.opType !== 'Shape' && missing) return undefined;
  let out: SymTensor | undefined;
  switch (node.opType) {
    case 'Constant':
      out = constantNode(node);
      break;
    case 'Shape': {
      if (shapeOfInput === undefined) return undefined;
      const r = shapeOfInput.length;
      const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const dims = shapeOfInput.slice(norm(attrInt(node, 'start', 0)), norm(attrInt(node, 'end', r)));
      out = { dataType: OnnxElem.INT64, dims: [dims.length], values: dims };
      break;
    }
    case 'Gather':
      out = x && y ? gather(x, y, attrInt(node, 'axis', 0)) : undefined;
      break;
    case 'Unsqueeze':
    case 'Squeeze': {
      if (x === undefined) return undefined;
      const raw = opset < 13 ? attrInts(node, 'axes') : numbersOf(y);
      const unsq = node.opType === 'Unsqueeze';
      if (raw === undefined && unsq) return undefined;
      const rank = unsq ? x.dims.length + (raw as number[]).length : x.dims.length;
      const axes = raw?.map((a) => normalizeAxis(a, rank) ?? -1) ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
      if (axes.includes(-1)) return undefined;
      const dims: number[] = [];
      let next = 0;
      for (let i = 0; i < rank; i++) {
        if (unsq) dims.push(axes.includes(i) ? 1 : (x.dims[next++] as number));
        else if (!axes.includes(i)) dims.push(x.dims[i] as number);
      }
      out = { ...x, dims };
      break;
    }
    case 'Concat':
      out = concat(inputs as SymTensor[], attrInt(node, 'axis', 0));
      break;
    case 'Cast':
      out = x && cast(x, attrInt(node, 'to', 0));
      break;
    case 'Slice': {
      const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => numbersOf(inputs[i]));
      out = x && starts && ends ? slice(x, starts, ends, axes, steps) : undefined;
      break;
    }
    case 'Reshape': {
      const target = numbersOf(y);
      const dims = x && target ? reshapeDims(x, target, attrInt(node, 'allowzero', 0) === 1) : undefined;
      out = x && dims ? { ...x, dims } : undefined;
      break;
    }
    case 'Transpose':
      out = x && transpose(x, attrInts(node, 'perm'));
      break;
    case 'ConstantOfShape': {
      const dims = numbersOf(x);
      const fill = attrTensor(node, 'value');
      if (dims === undefined || elementCount(dims) > MAX_FOLD_ELEMENTS) return undefined;
      const v = fill === undefined ? 0 : (tensorNumbers(fill)[0] ?? 0);
      out = { dataType: fill?.dataType ?? OnnxElem.FLOAT, dims, values: new Array<number>(elementCount(dims)).fill(v) };
      break;
    }
    case 'Identity':
      out = x;
      break;
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      out = x && y ? arithmetic(node.opType, x, y) : undefined;
      break;
    default:
      return undefined;
  }
  return out !== undefined && out.values.length <= MAX_FOLD_ELEMENTS ? out : undefined;
}
