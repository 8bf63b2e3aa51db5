/**
 * Problems worth seeing in the editor: a results file measured on a model that has
 * changed since (stale: its numbers no longer describe the model on disk), a results file
 * that cannot be read, and channel groups the pruner cannot prune, with the reason, in
 * results files and in open model.json files.
 */
import * as fs from 'node:fs';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SensitivityResults } from '../shared/results';
import { recordedModel } from './jobSpecs';
import type { ModelFacts } from '../shared/modelFacts';
import type { ModelIndex } from './modelIndex';
import { locateJson, locateString, type Span } from './textLocate';

export const STALE_CODE = 'stale-results';
export const UNPRUNABLE_CODE = 'unprunable-group';
export const SOURCE = 'prunelens';

function at(doc: TextDocument, span: Span | undefined): Diagnostic['range'] {
  if (span === undefined) return { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

function short(fingerprint: string): string {
  return `${fingerprint.slice(0, 12)}…`;
}

function unprunable(doc: TextDocument, results: SensitivityResults): Diagnostic[] {
  const text = doc.getText();
  return Object.values(results.groups)
    .filter((g) => !g.prunable)
    .map((g) => ({
      range: at(doc, locateJson(text, ['groups', g.id])?.key),
      severity: DiagnosticSeverity.Information,
      source: SOURCE,
      code: UNPRUNABLE_CODE,
      message: `${g.id} cannot be pruned: ${g.reason ?? 'no reason recorded'}`,
    }));
}

export class DiagnosticsProvider {
  constructor(
    private readonly index: ModelIndex,
    private readonly base: () => string,
  ) {}

  /** Diagnostics for a results file whose current text is `text`. */
  async forResults(file: string, uri: string, text: string): Promise<Diagnostic[]> {
    const doc = TextDocument.create(uri, 'json', 0, text);
    const entry = await this.index.readResults(file);
    if (entry.results === undefined) {
      return [{ range: at(doc, undefined), severity: DiagnosticSeverity.Error, source: SOURCE, message: entry.error ?? 'cannot read this results file' }];
    }
    const results = entry.results;
    const diagnostics = unprunable(doc, results);
    const model = recordedModel(results, file, this.base());
    const where = locateJson(text, ['metadata', 'model', 'fingerprint'])?.value;
    if (model === undefined || model.startsWith('zoo:')) return diagnostics;
    if (!fs.existsSync(model)) {
      diagnostics.push({ range: at(doc, where), severity: DiagnosticSeverity.Information, source: SOURCE, message: `the model these results were measured on is not at ${model}, so they cannot be checked against it` });
      return diagnostics;
    }
    const facts = await this.index.modelFacts(model).catch(() => undefined);
    if (facts !== undefined && facts.fingerprint !== results.metadata.model.fingerprint) {
      diagnostics.push({
        range: at(doc, where),
        severity: DiagnosticSeverity.Warning,
        source: SOURCE,
        code: STALE_CODE,
        message: `stale: measured on another version of ${model} (fingerprint ${short(results.metadata.model.fingerprint)}, the file on disk is ${short(facts.fingerprint)}); re-run the analysis`,
        data: { file },
      });
    }
    return diagnostics;
  }

  /** Unprunable groups in an open model.json, shown at the name of the group's first layer. */
  async forModel(file: string, uri: string, text: string): Promise<Diagnostic[]> {
    const facts: ModelFacts | undefined = await this.index.modelFacts(file).catch(() => undefined);
    if (facts === undefined) return [];
    const doc = TextDocument.create(uri, 'json', 0, text);
    const layersAt = text.indexOf('"layers"');
    return facts.groups
      .filter((g) => !g.prunable)
      .map((g) => {
        const layer = facts.params.find((p) => p.name === g.id)?.layer ?? g.layers[0] ?? g.id;
        return {
          range: at(doc, locateString(text, layer, Math.max(0, layersAt))),
          severity: DiagnosticSeverity.Information,
          source: SOURCE,
          code: UNPRUNABLE_CODE,
          message: `channel group ${g.id} (${g.channels} channels) cannot be pruned: ${g.reason ?? 'no reason recorded'}`,
        };
      });
  }
}
