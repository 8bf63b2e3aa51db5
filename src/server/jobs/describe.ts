/**
 * The facts hover and diagnostics need about a model (src/server/modelFacts.ts), computed
 * in a worker so that the language server never loads TF.js or reads weights itself.
 */
import * as path from 'node:path';
import { layerClass } from '../../core/layers/registry';
import { modelFingerprint } from '../../core/models/fingerprint';
import { listParams, type ParamInfo } from '../../core/models/naming';
import { summarizeModel, type ModelSummary } from '../../core/models/summary';
import { buildDependencyGraph, type DependencyGraph } from '../../core/pruning';
import type { GroupFacts, LayerFacts, ModelFacts, ParamFacts } from '../modelFacts';
import { openModel } from './common';

function kernelOf(params: readonly ParamInfo[]): ParamInfo | undefined {
  return params.find((p) => p.outChannels !== undefined);
}

function layerFacts(summary: ModelSummary, params: readonly ParamInfo[]): LayerFacts[] {
  return summary.layers.map((layer) => {
    const own = params.filter((p) => p.layerName === layer.name);
    const kernel = kernelOf(own);
    const shape = layer.outputShape[0] ?? [];
    const channels = kernel?.outChannels ?? shape.at(-1);
    return {
      name: layer.name,
      className: layer.className,
      pruning: layerClass(layer.className)?.pruning ?? 'a class PruneLens does not know: the channels reaching it cannot be pruned',
      outputShape: shape,
      params: layer.params,
      macs: layer.macs,
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

export async function describeModel(spec: string, log: (text: string) => void): Promise<ModelFacts> {
  const model = await openModel(spec);
  try {
    const params = listParams(model);
    let graph: DependencyGraph | undefined;
    try {
      graph = buildDependencyGraph(model);
    } catch (err) {
      // Hover still has the layer facts; only the groups are missing.
      log(`no channel groups for ${spec}: ${(err as Error).message}`);
    }
    const summary = summarizeModel(model);
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
      modelJson: spec.startsWith('zoo:') ? spec : path.resolve(spec),
      name: model.name,
      fingerprint: modelFingerprint(model),
      totalParams: summary.totalParams,
      totalMacs: summary.totalMacs,
      layers: layerFacts(summary, params),
      params: paramFacts,
      groups: graph ? groupFacts(graph) : [],
    };
  } finally {
    model.dispose();
  }
}
