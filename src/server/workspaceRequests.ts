/**
 * The custom requests that read the workspace for the extension: results files for the
 * explorer, one file's results, a model's parameters for the Analyze command's picker,
 * where a parameter's layer is declared, and the sensitivity plot.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { sensitivityPlotSvg } from '../core/sensitivity/plot';
import type { ParamEntry, ResultsFileEntry, ShardSetSummary } from '../shared/protocol';
import type { SensitivityResults } from '../shared/results';
import { filePathOf } from './hoverProvider';
import { recordedModel } from './jobSpecs';
import type { ModelIndex } from './modelIndex';
import { locateString } from './textLocate';

export class WorkspaceRequests {
  constructor(
    private readonly index: ModelIndex,
    private readonly base: () => string,
    private readonly threshold: () => number,
  ) {}

  async listResultsFiles(): Promise<{ files: ResultsFileEntry[] }> {
    const entries = await this.index.allResults();
    return {
      files: entries.map((e) => ({
        uri: pathToFileURL(e.file).toString(),
        path: e.file,
        ...(e.results ? { modelName: e.results.metadata.model.name } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
        ...(e.shards !== undefined ? { shards: e.shards } : {}),
        ...(e.exists !== undefined ? { exists: e.exists } : {}),
      })),
    };
  }

  async readResults(uri: string): Promise<{ results?: SensitivityResults; error?: string; shards?: ShardSetSummary }> {
    const file = filePathOf(uri);
    if (file === undefined) return { error: `not a file: ${uri}` };
    const entry = await this.index.readResults(file);
    if (entry.results === undefined) return { error: entry.error ?? 'cannot read' };
    return { results: entry.results, ...(entry.shards !== undefined ? { shards: entry.shards } : {}) };
  }

  async modelParams(model: string): Promise<{ modelName: string; params: ParamEntry[] }> {
    const facts = await this.index.modelFacts(path.resolve(this.base(), model));
    const groups = new Map(facts.groups.map((g) => [g.id, g]));
    const kernels = facts.params.filter((p) => p.analysable);
    return {
      modelName: facts.name,
      params: kernels.map((p) => {
        const group = p.group === undefined ? undefined : groups.get(p.group);
        return {
          name: p.name,
          layer: p.layer,
          shape: p.shape,
          outChannels: p.outChannels ?? 0,
          ...(p.group !== undefined ? { group: p.group } : {}),
          prunable: group?.prunable ?? false,
          ...(group?.reason !== undefined ? { reason: group.reason } : {}),
        };
      }),
    };
  }

  /** The position of the layer's name in the model.json a results file was measured on (an ONNX file has no text to show). */
  async locateParam(resultsUri: string, param: string): Promise<{ uri: string; line: number; character: number } | null> {
    const file = filePathOf(resultsUri);
    const results = file === undefined ? undefined : (await this.index.readResults(file)).results;
    const model = results && file ? recordedModel(results, file, this.base()) : undefined;
    if (model === undefined || model.startsWith('zoo:') || /\.onnx$/i.test(model)) return null;
    const facts = await this.index.modelFacts(model).catch(() => undefined);
    const layer = facts?.params.find((p) => p.name === param)?.layer ?? param.replace(/_(weights|offset|scale|mean|variance)$/, '');
    const text = await fsp.readFile(model, 'utf8').catch(() => undefined);
    if (text === undefined) return null;
    const span = locateString(text, layer, Math.max(0, text.indexOf('"layers"')));
    if (span === undefined) return null;
    const position = TextDocument.create('file:///model.json', 'json', 0, text).positionAt(span.start);
    return { uri: pathToFileURL(model).toString(), ...position };
  }

  async renderPlot(uri: string, threshold?: number): Promise<{ svg: string }> {
    const { results, error } = await this.readResults(uri);
    if (results === undefined) throw new Error(error ?? 'cannot read the results file');
    return { svg: sensitivityPlotSvg(results, { threshold: threshold ?? this.threshold() }) };
  }
}
