/**
 * Hover over a layer or parameter name: in a model.json (a layer name, a manifest weight
 * name, a PaddleSlim parameter name), in a results file (a parameter), and in any other
 * synced file over a quoted parameter name that some results file in the workspace knows.
 * Everything comes from ModelIndex caches, so a hover during a scan stays fast.
 */
import { fileURLToPath } from 'node:url';
import type { CancellationToken, Hover, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerSettings } from '../shared/protocol';
import type { SensitivityResults } from '../shared/results';
import { documentKind } from './documentKind';
import { hoverMarkdown, type HoverFacts } from './hoverContent';
import { recordedModel } from './jobSpecs';
import type { LayerFacts, ModelFacts } from '../shared/modelFacts';
import type { ModelIndex } from './modelIndex';
import { quotedStringAt } from './textLocate';

export function filePathOf(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

/** The layer a name denotes in a model, and the channel group its weights follow. */
export function resolveInModel(model: ModelFacts, name: string): { layer: LayerFacts; groupId?: string } | undefined {
  const param = model.params.find((p) => p.name === name);
  const layerName = param?.layer ?? model.layers.find((l) => l.name === name || l.variablePaths.includes(name))?.name;
  const layer = model.layers.find((l) => l.name === layerName);
  if (layer === undefined) return undefined;
  const groupId = param?.group ?? model.params.find((p) => p.layer === layer.name && p.group !== undefined)?.group;
  return { layer, ...(groupId !== undefined ? { groupId } : {}) };
}

function newest<T extends { results: SensitivityResults }>(entries: T[]): T | undefined {
  return entries.sort((a, b) => b.results.metadata.updated.localeCompare(a.results.metadata.updated))[0];
}

export class HoverProvider {
  constructor(
    private readonly index: ModelIndex,
    private readonly settings: () => ServerSettings,
    private readonly base: () => string,
  ) {}

  async hover(doc: TextDocument, position: Position, token: CancellationToken): Promise<Hover | null> {
    const text = doc.getText();
    const quoted = quotedStringAt(text, doc.offsetAt(position));
    if (quoted === undefined || quoted.value === '') return null;
    const file = filePathOf(doc.uri);
    const kind = documentKind(file, text);
    let facts: HoverFacts | undefined;
    if (kind === 'model' && file !== undefined) facts = await this.inModel(file, quoted.value);
    else if (kind === 'results' && file !== undefined) facts = await this.inResults(file, quoted.value);
    else if (this.settings().hover.quotedNames) facts = await this.inWorkspace(quoted.value);
    if (token.isCancellationRequested || facts === undefined) return null;
    const markdown = hoverMarkdown(facts);
    if (markdown === undefined) return null;
    return { contents: { kind: 'markdown', value: markdown }, range: { start: doc.positionAt(quoted.start), end: doc.positionAt(quoted.end) } };
  }

  private async inModel(file: string, name: string): Promise<HoverFacts | undefined> {
    const model = await this.index.modelFacts(file).catch(() => undefined);
    const found = model && resolveInModel(model, name);
    if (model === undefined || found === undefined) return undefined;
    const candidates = [];
    for (const entry of await this.index.allResults()) {
      if (entry.results === undefined) continue;
      const sameFile = recordedModel(entry.results, entry.file, this.base()) === model.modelJson;
      const sameModel = entry.results.metadata.model.fingerprint === model.fingerprint;
      if (sameFile || sameModel) candidates.push({ file: entry.file, results: entry.results, stale: !sameModel });
    }
    // A file measured on this very model beats one measured on an earlier version of it.
    const results = newest(candidates.filter((c) => !c.stale)) ?? newest(candidates);
    return { name, model, layer: found.layer, ...(found.groupId !== undefined ? { groupId: found.groupId } : {}), ...(results ? { results } : {}), threshold: this.settings().lossThreshold };
  }

  private async inResults(file: string, name: string): Promise<HoverFacts | undefined> {
    const entry = await this.index.readResults(file);
    if (entry.results === undefined || entry.results.params[name] === undefined) return undefined;
    return this.forParam(file, entry.results, name);
  }

  private async inWorkspace(name: string): Promise<HoverFacts | undefined> {
    const withParam = (await this.index.allResults()).flatMap((e) => (e.results !== undefined && e.results.params[name] !== undefined ? [{ file: e.file, results: e.results }] : []));
    const found = newest(withParam);
    return found && this.forParam(found.file, found.results, name);
  }

  /** A parameter of a results file, with its model's facts when the model can be found. */
  private async forParam(file: string, results: SensitivityResults, name: string): Promise<HoverFacts> {
    const groupId = results.params[name];
    const modelPath = recordedModel(results, file, this.base());
    const model = modelPath === undefined ? undefined : await this.index.modelFacts(modelPath).catch(() => undefined);
    const layer = model && resolveInModel(model, name)?.layer;
    const stale = model !== undefined && model.fingerprint !== results.metadata.model.fingerprint;
    return {
      name,
      ...(model && layer ? { model, layer } : {}),
      ...(groupId !== undefined ? { groupId } : {}),
      results: { file, results, stale },
      threshold: this.settings().lossThreshold,
    };
  }
}
