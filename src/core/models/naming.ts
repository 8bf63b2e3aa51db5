/**
 * Parameter names in PaddleSlim's scheme: the layer's name plus a suffix for the weight's
 * role (`conv2_1_sep_weights`, `conv2_1_sep_bn_scale`, `fc7_offset`). Users pick layers to
 * analyse by these names, and results files are keyed by them, so they must not depend on
 * the order models were built in (TF.js appends `_1`, `_2` to variable names that repeat
 * within a process; the names below use layer names, which the zoo sets explicitly).
 */
import * as tf from '@tensorflow/tfjs';
import { PruneLensError, UsageError } from '../util/errors';
import { layerClass as layerClassEntry } from '../layers/registry';
import { closestNames } from './closestNames';

export interface ParamInfo {
  /** PaddleSlim-style parameter name, e.g. `conv2_1_sep_weights`. */
  readonly name: string;
  readonly layerName: string;
  /** TF.js class name of the layer, e.g. `Conv2D`, `DepthwiseConv2D`, `BatchNormalization`. */
  readonly layerClass: string;
  /** The weight's short name in its layer: `kernel`, `depthwise_kernel`, `bias`, `gamma`, ... */
  readonly role: string;
  readonly shape: readonly number[];
  /** Output channels of a kernel (Conv2D filters, depthwise channels, Dense units). */
  readonly outChannels: number | undefined;
  /** A conv kernel: what `prunelens params` lists and a scan analyses. */
  readonly analysable: boolean;
  /** The weight's name as TF.js saves it in a weights manifest, e.g. `conv1/kernel`. */
  readonly variablePath: string;
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
    const facets = layerClassEntry(layerClass)?.weights ?? {};
    for (const weight of layer.weights) {
      const variablePath = weight.originalName;
      const role = variablePath.slice(variablePath.lastIndexOf('/') + 1);
      const facet = Object.prototype.hasOwnProperty.call(facets, role) ? facets[role] : undefined;
      if (facet === undefined) {
        const known = Object.keys(facets);
        throw new PruneLensError(
          `layer '${layer.name}' (${layerClass}) has a weight '${variablePath}' whose role PruneLens does not know; ` +
            (known.length > 0 ? `known for ${layerClass}: ${known.join(', ')}` : `PruneLens knows no weights of class ${layerClass}`),
        );
      }
      const name = `${layer.name}${facet.suffix}`;
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
        role,
        shape,
        outChannels: facet.outChannels?.(shape),
        analysable: facet.analysable === true,
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
 * The conv kernels (the registry marks them analysable), the parameters channel pruning is
 * asked about, optionally narrowed to names containing `filter` (a string) or matching it
 * (a RegExp).
 */
export function convParams(model: tf.LayersModel, filter?: string | RegExp): ParamInfo[] {
  return analysableParams(listParams(model), filter);
}

/** The analysable kernels among `params` (any format's), optionally filtered as convParams does. */
export function analysableParams(params: readonly ParamInfo[], filter?: string | RegExp): ParamInfo[] {
  return params.filter((p) => p.analysable && (filter === undefined || matches(p.name, filter)));
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
