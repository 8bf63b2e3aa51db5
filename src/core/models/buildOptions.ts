/**
 * The options every zoo builder takes, their defaults, and their validation. The zoo
 * checks what the user gave once here, so the builders can trust their inputs.
 */
import { UsageError } from '../util/errors';

/** What a caller may set; anything left out takes the default below. */
export interface BuildModelOptions {
  /** [height, width, channels] of one image (channels last). */
  readonly inputShape?: readonly [number, number, number];
  readonly numClasses?: number;
  /** Initializer seed; the same seed gives the same weights. */
  readonly seed?: number;
  /** Multiplies every hidden width (not the classes); 1 is the published layout. */
  readonly widthMultiplier?: number;
}

/** Options with every field filled in and checked. */
export interface ResolvedBuildOptions {
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly seed: number;
  readonly widthMultiplier: number;
}

export const DEFAULT_BUILD_OPTIONS: ResolvedBuildOptions = {
  inputShape: [28, 28, 1],
  numClasses: 10,
  seed: 1,
  widthMultiplier: 1,
};

/** Fills in defaults and refuses values no model can be built from. */
export function resolveBuildOptions(opts: BuildModelOptions = {}): ResolvedBuildOptions {
  const inputShape = opts.inputShape ?? DEFAULT_BUILD_OPTIONS.inputShape;
  if (inputShape.length !== 3 || !inputShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new UsageError(`inputShape must be [height, width, channels] of positive integers; got ${JSON.stringify(inputShape)}`);
  }
  const numClasses = opts.numClasses ?? DEFAULT_BUILD_OPTIONS.numClasses;
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
    throw new UsageError(`numClasses must be a positive integer; got ${numClasses}`);
  }
  const seed = opts.seed ?? DEFAULT_BUILD_OPTIONS.seed;
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(`seed must be an integer; got ${seed}`);
  }
  const widthMultiplier = opts.widthMultiplier ?? DEFAULT_BUILD_OPTIONS.widthMultiplier;
  if (!Number.isFinite(widthMultiplier) || widthMultiplier <= 0 || widthMultiplier > 16) {
    throw new UsageError(`widthMultiplier must be a number in (0, 16]; got ${widthMultiplier}`);
  }
  return { inputShape: [inputShape[0], inputShape[1], inputShape[2]], numClasses, seed, widthMultiplier };
}
