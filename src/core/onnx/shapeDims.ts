/**
 * Arithmetic on dimensions that may be symbolic. A symbolic size ("batch") passes through
 * the ops that keep it; a size computed from a symbolic one (a product, a strided size)
 * is unknown, written "?", because PruneLens never needs its value: what matters for
 * channels and MACs is the fixed part of the shape.
 */
import type { OnnxDim } from './types';

export const UNKNOWN: OnnxDim = '?';

export function isKnown(d: OnnxDim | undefined): d is number {
  return typeof d === 'number';
}

/** Product of dims: a number when all are known; a lone symbol times ones keeps the symbol. */
export function dimProduct(dims: readonly OnnxDim[]): OnnxDim {
  let product = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') product *= d;
    else symbols.push(d);
  }
  if (symbols.length === 0) return product;
  if (product === 0) return 0;
  return symbols.length === 1 && product === 1 && symbols[0] !== UNKNOWN ? (symbols[0] as string) : UNKNOWN;
}

/** A function of one size, applied when the size is known. */
export function mapDim(d: OnnxDim, f: (n: number) => number): OnnxDim {
  return typeof d === 'number' ? f(d) : UNKNOWN;
}

/** An axis attribute (possibly negative) as an index into a shape of `rank`; undefined if out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/** Whether two dims may be the same size (unknown or symbolic dims may be anything). */
export function dimsCompatible(a: OnnxDim, b: OnnxDim): boolean {
  return typeof a !== 'number' || typeof b !== 'number' || a === b;
}

/**
 * The multidirectional (numpy) broadcast of two shapes, or an error message when two known
 * sizes differ and neither is 1.
 */
export function broadcastShapes(a: readonly OnnxDim[], b: readonly OnnxDim[]): OnnxDim[] | string {
  const rank = Math.max(a.length, b.length);
  const out: OnnxDim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === y) out.push(x);
    else if (typeof x === 'number' && typeof y === 'number') return `shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`;
    else out.push(typeof x === 'number' ? x : typeof y === 'number' ? y : UNKNOWN);
  }
  return out;
}
