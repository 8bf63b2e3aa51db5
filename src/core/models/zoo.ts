/**
 * The built-in models, by name. Every build is deterministic for a given seed and names
 * every layer explicitly, so parameter names are the same from run to run.
 */
import type * as tf from '@tensorflow/tfjs';
import { UsageError } from '../util/errors';
import type { BuildModelOptions, ResolvedBuildOptions } from './buildOptions';
import { resolveBuildOptions } from './buildOptions';
import { buildMobileNetV1 } from './mobilenetV1';
import { buildMobileNetV2 } from './mobilenetV2';
import { buildResNet20 } from './resnet';
import { buildResNet18 } from './resnet18';
import { buildVgg } from './vgg';
import { ZOO_NAMES, type ZooName } from '../../shared/vocabulary';

const BUILDERS: Readonly<Record<ZooName, (opts: ResolvedBuildOptions) => tf.LayersModel>> = {
  mobilenetV1: buildMobileNetV1,
  mobilenetV2: buildMobileNetV2,
  resnet20: buildResNet20,
  resnet18: buildResNet18,
  vgg: buildVgg,
};

export { ZOO_NAMES, type ZooName };

export function isZooName(name: string): name is ZooName {
  return Object.prototype.hasOwnProperty.call(BUILDERS, name);
}

export type { BuildModelOptions } from './buildOptions';

/**
 * Builds a zoo model with fresh weights. Defaults: 28x28x1 input, 10 classes, seed 1,
 * width multiplier 1. The output is logits (no softmax).
 */
export function buildModel(name: ZooName, opts?: BuildModelOptions): tf.LayersModel {
  // The name can come straight from a command line or a settings file, so check it at
  // run time even though the type says it is a ZooName.
  if (!isZooName(name)) {
    throw new UsageError(`unknown model '${String(name)}'; known models: ${ZOO_NAMES.join(', ')}`);
  }
  return BUILDERS[name](resolveBuildOptions(opts));
}
