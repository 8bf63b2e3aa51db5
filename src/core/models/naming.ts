/**
 * Parameter names in PaddleSlim's scheme: the layer's name plus a suffix for the weight's
 * role (`conv2_1_sep_weights`, `conv2_1_sep_bn_scale`, `fc7_offset`). Users pick layers to
 * analyse by these names, and results files are keyed by them, so they must not depend on
 * the order models were built in (TF.js appends `_1`, `_2` to variable names that repeat
 * within a process; the names below use layer names, which the zoo sets explicitly).
 */
import * as tf from '@tensorflow/tfjs';
import { PruneLensError, UsageError } from '../util/errors';
import { closestNames } from './closestNames';

export type ParamRole = 'kernel' | 'depthwise_kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance';

export interface ParamInfo {
  /** PaddleSlim-style parameter name, e.g. `conv2_1_sep_weights`. */
  readonly name: string;
  readonly layerName: string;
  /** TF.js class name of the layer, e.g. `Conv2D`, `DepthwiseConv2D`, `BatchNormalization`. */
  readonly layerClass: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
  /** Output channels (units for Dense) of a Conv2D, DepthwiseConv2D or Dense kernel. */
  readonly outChannels: number | undefined;
  /** The weight's name as TF.js saves it in a weights manifest, e.g. `conv1/kernel`. */
  readonly variablePath: string;
}

/** Suffix PaddleSlim gives each role; a conv's bias and a BN's beta are both `_offset`. */
export const ROLE_SUFFIX: Readonly<Record<ParamRole, string>> = {
  kernel: '_weights',
  depthwise_kernel: '_weights',
  bias: '_offset',
  gamma: '_scale',
  beta: '_offset',
  moving_mean: '_mean',
  moving_variance: '_variance',
};

const CONV_CLASSES: ReadonlySet<string> = new Set(['Conv2D', 'DepthwiseConv2D']);

function isRole(text: string): text is ParamRole {
  return Object.prototype.hasOwnProperty.call(ROLE_SUFFIX, text);
}

function outChannelsOf(layerClass: string, role: ParamRole, shape: readonly number[]): number | undefined {
  if (layerClass === 'Conv2D' && role === 'kernel') return shape[3];
  if (layerClass === 'Dense' && role === 'kernel') return shape[1];
  // A depthwise kernel is [kh, kw, C_in, multiplier]: each input channel yields
  // `multiplier` output channels.
  if (layerClass === 'DepthwiseConv2D' && role === 'depthwise_kernel') {
    const inChannels = shape[2];
    const multiplier = shape[3];
    return inChannels === undefined || multiplier === undefined ? undefined : inChannels * multiplier;
  }
  return undefined;
}

/** Leaf layers in network order; a nested model contributes its own layers in place. */
function leafLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) out.push(...leafLayers(layer));
    else out.push(layer);
  }
  return out;
}

/**
 * Every weight of the model with its PaddleSlim name, in layer order (which for the zoo
 * models is network order) and, within a layer, in TF.js's weight order. A weight whose
 * role PaddleSlim's scheme has no name for is refused rather than skipped, so that no
 * later step silently ignores part of a model.
 */
export function listParams(model: tf.LayersModel): ParamInfo[] {
  const params: ParamInfo[] = [];
  const seen = new Map<string, string>();
  for (const layer of leafLayers(model)) {
    const layerClass = layer.getClassName();
    for (const weight of layer.weights) {
      const variablePath = weight.originalName;
      const roleText = variablePath.slice(variablePath.lastIndexOf('/') + 1);
      if (!isRole(roleText)) {
        throw new PruneLensError(
          `layer '${layer.name}' (${layerClass}) has a weight '${variablePath}' whose role PruneLens does not know; ` +
            `known roles: ${Object.keys(ROLE_SUFFIX).join(', ')}`,
        );
      }
      const name = `${layer.name}${ROLE_SUFFIX[roleText]}`;
      const clash = seen.get(name);
      if (clash !== undefined) {
        throw new PruneLensError(`two weights get the parameter name '${name}': '${clash}' and '${variablePath}'`);
      }
      seen.set(name, variablePath);
      // A variable's shape is always fully known; Shape merely allows null.
      const shape = weight.shape.map((d) => d ?? 0);
      params.push({
        name,
        layerName: layer.name,
        layerClass,
        role: roleText,
        shape,
        outChannels: outChannelsOf(layerClass, roleText, shape),
        variablePath,
      });
    }
  }
  return params;
}

function matches(name: string, filter: string | RegExp): boolean {
  if (typeof filter === 'string') return name.includes(filter);
  // A copy without the stateful flags: `test` on a /g or /y regex advances lastIndex and
  // would skip every other match.
  return new RegExp(filter.source, filter.flags.replace(/[gy]/g, '')).test(name);
}

/**
 * The Conv2D and DepthwiseConv2D kernels, the parameters channel pruning is asked about,
 * optionally narrowed to names containing `filter` (a string) or matching it (a RegExp).
 */
export function convParams(model: tf.LayersModel, filter?: string | RegExp): ParamInfo[] {
  return listParams(model).filter(
    (p) =>
      CONV_CLASSES.has(p.layerClass) &&
      (p.role === 'kernel' || p.role === 'depthwise_kernel') &&
      (filter === undefined || matches(p.name, filter)),
  );
}

/** The parameter called `name`; an unknown name is a UsageError that suggests close names. */
export function findParam(model: tf.LayersModel, name: string): ParamInfo {
  const params = listParams(model);
  const found = params.find((p) => p.name === name);
  if (found !== undefined) return found;
  const suggestions = closestNames(
    name,
    params.map((p) => p.name),
    5,
  );
  const hint = suggestions.length > 0 ? `; closest known: ${suggestions.join(', ')}` : '; the model has no parameters';
  throw new UsageError(`unknown parameter '${name}' in model '${model.name}'${hint}`);
}
