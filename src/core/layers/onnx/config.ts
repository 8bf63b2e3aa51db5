/**
 * Reading an ONNX call's config (its attributes and constant inputs, by their spec names;
 * see src/core/graph/fromOnnx.ts) with the defaults the operator specs give, and helpers
 * the ONNX op entries share.
 */
import type { Layout } from '../../pruning/channelUniverse';
import type { RuleContext, Shape } from '../types';

export function configInt(config: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const v = config[key];
  if (typeof v === 'number') return v;
  // A constant input is a list of numbers: a scalar input is a list of one.
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  return fallback;
}

export function configFloat(config: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  return configInt(config, key, fallback);
}

export function configInts(config: Readonly<Record<string, unknown>>, key: string): readonly number[] | undefined {
  const v = config[key];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  if (typeof v === 'number') return [v];
  return undefined;
}

export function configString(config: Readonly<Record<string, unknown>>, key: string, fallback: string): string {
  const v = config[key];
  return typeof v === 'string' ? v : fallback;
}

/** An axis as ONNX gives it (negative from the end) as a non-negative one. */
export function normaliseAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** The channels of input `i` are on axis `axis` (ONNX ops that work on NCHW need axis 1). */
export function channelsOn(ctx: RuleContext, i: number, axis: number): boolean {
  return ctx.channelAxes[i] === axis;
}

/** The node's only tensor input, or undefined. */
export function onlyInput(ctx: RuleContext): Layout | undefined {
  return ctx.inputs.length === 1 ? ctx.inputs[0] : undefined;
}

/** Product of the sizes of `shape` from `from` to `to` (exclusive); unknown sizes count as 1. */
export function sizeBetween(shape: Shape, from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i] ?? 1;
  return n;
}

/** Whether every size of `shape` from axis 1 on is known. */
export function knownSizes(shape: Shape): boolean {
  return shape.slice(1).every((d) => d !== null);
}
