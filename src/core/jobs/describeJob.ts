/**
 * The describe job: the facts hover, diagnostics, `prunelens info`, `flops` and `params`
 * need about a model (src/shared/modelFacts.ts), computed in a worker so that the language
 * server never loads TF.js or reads weights itself.
 */
import type { DescribeJobSpec } from '../../shared/jobs';
import type { GroupFacts, LayerFacts, ModelFacts, ParamFacts } from '../../shared/modelFacts';
import { onnxOpClass } from '../layers/onnx/registry';
import { layerClass } from '../layers/registry';
import type { ModelFormat } from '../models/modelHandle';
import type { ParamInfo } from '../models/naming';
import type { ModelSummary } from '../models/summary';
import type { DependencyGraph } from '../pruning';
import type { JobContext } from './context';
import { openModel, recordedModelPath } from './open';

const UNKNOWN_CLASS = 'a class PruneLens does not know: the channels reaching it cannot be pruned';

function layerFacts(summary: ModelSummary, params: readonly ParamInfo[], format: ModelFormat): LayerFacts[] {
  const entryOf = format === 'onnx' ? onnxOpClass : layerClass;
  return summary.layers.map((layer) => {
    const own = params.filter((p) => p.layerName === layer.name);
    const kernel = own.find((p) => p.outChannels !== undefined);
    const shape = layer.outputShape[0] ?? [];
    const channels = kernel?.outChannels ?? layer.channels ?? shape.at(-1);
    return {
      name: layer.name,
      className: layer.className,
      pruning: entryOf(layer.className)?.pruning ?? UNKNOWN_CLASS,
      outputShape: shape,
      params: layer.params,
      macs: layer.macs,
      ...(layer.kernelParam !== undefined ? { kernelParam: layer.kernelParam } : {}),
      ...(kernel ? { kernelShape: kernel.shape } : {}),
      ...(typeof channels === 'number' ? { outChannels: channels } : {}),
      paramNames: own.map((p) => p.name),
      variablePaths: own.map((p) => p.variablePath),
    };
  });
}

function groupFacts(graph: DependencyGraph): GroupFacts[] {
  return graph.groups.map((g) => ({
    id: g.id,
    params: g.params,
    channels: g.channels,
    prunable: g.prunable,
    ...(g.reason !== undefined ? { reason: g.reason } : {}),
    members: [...new Set(g.members.map((m) => m.param))],
    layers: g.layers,
  }));
}

/** The group a parameter's channels follow, or undefined (an input-side weight, or no graph). */
function groupOf(graph: DependencyGraph | undefined, name: string): string | undefined {
  try {
    return graph?.groupForParam(name).id;
  } catch {
    return undefined;
  }
}

export async function describeJob(spec: DescribeJobSpec, ctx: JobContext): Promise<ModelFacts> {
  const model = await openModel(spec);
  try {
    const params = model.params();
    let graph: DependencyGraph | undefined;
    try {
      graph = model.dependencyGraph();
    } catch (err) {
      // The layer facts still stand; only the groups are missing.
      ctx.events.log(`no channel groups for ${spec.model}: ${(err as Error).message}`);
    }
    const summary = model.summary({ onlyConv: spec.allLayers !== true });
    const paramFacts: ParamFacts[] = params.map((p) => {
      const group = groupOf(graph, p.name);
      return {
        name: p.name,
        layer: p.layerName,
        layerClass: p.layerClass,
        shape: p.shape,
        analysable: p.analysable,
        ...(p.outChannels !== undefined ? { outChannels: p.outChannels } : {}),
        ...(group !== undefined ? { group } : {}),
      };
    });
    return {
      modelJson: recordedModelPath(spec.model),
      name: model.name,
      fingerprint: model.fingerprint(),
      totalParams: summary.totalParams,
      trainableParams: summary.trainableParams,
      totalMacs: summary.totalMacs,
      ...(spec.allLayers === true ? { allLayerMacs: true } : {}),
      ...(model.format !== 'tfjs' ? { format: model.format } : {}),
      layers: layerFacts(summary, params, model.format),
      params: paramFacts,
      groups: graph ? groupFacts(graph) : [],
    };
  } finally {
    model.dispose();
  }
}
