/**
 * Helpers for the MAC facets, counted the way PaddleSlim's `flops()` counts them, so that
 * "pruned X% of FLOPs" means the same here and there (docs/pruning.md).
 */
import type { MacsCall, MacsFacet, Shape } from './types';

/** Product of the non-batch dimensions; unknown (null) dimensions count as 1. */
export function numelPerImage(shape: Shape): number {
  return shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
}

/** A dimension of a shape (negative indices from the end), 1 when unknown or absent. */
export function dim(shape: Shape | readonly number[] | undefined, index: number): number {
  const value = shape === undefined ? undefined : shape[index < 0 ? shape.length + index : index];
  return value ?? 1;
}

/** Elements of a weight; 0 for a weight the layer does not have (a conv without bias). */
export function elementCount(shape: readonly number[] | undefined): number {
  return shape === undefined ? 0 : shape.reduce<number>((n, d) => n * d, 1);
}

/** Spatial positions and channels of a 4-D output, whichever the data format. */
export function spatialAndChannels(call: MacsCall): { positions: number; channels: number } {
  const out = call.outputShape;
  if (call.config['dataFormat'] === 'channelsFirst') return { positions: dim(out, 2) * dim(out, 3), channels: dim(out, 1) };
  return { positions: dim(out, 1) * dim(out, 2), channels: dim(out, 3) };
}

/** Activations PaddlePaddle counts one operation per element for (only_conv=False). */
const COUNTED_ACTIVATIONS: ReadonlySet<string> = new Set(['relu', 'relu6', 'sigmoid']);

export function countsActivation(activation: unknown): boolean {
  return COUNTED_ACTIVATIONS.has(String(activation));
}

/** A class with no MACs of its own in either count. */
export const NO_MACS: MacsFacet = { counted: () => [] };

/** A class that costs one operation per input element when every layer is counted. */
export const PER_INPUT_ELEMENT: MacsFacet = { counted: () => [], elementwise: (call) => numelPerImage(call.inputShape) };

/** The fused activation of a conv or Dense: its own op in PaddlePaddle's graph. */
export function fusedActivationMacs(call: MacsCall): number {
  return countsActivation(call.config['activation']) ? numelPerImage(call.outputShape) : 0;
}
