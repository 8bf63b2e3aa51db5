/**
 * The language server over a real JSON-RPC stream: hover content for a known layer of a
 * model.json, for a parameter in a results file and in a Python file, diagnostics for an
 * unprunable group and for a results file whose model changed, and the re-run code action.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { saveModel } from '../../src/core/models/io';
import { buildModel } from '../../src/core/models/zoo';
import type { JobInfo } from '../../src/shared/protocol';
import { makeWorkspace, startServer, uriOf, type TestServer, type Workspace } from './serverHarness';

let ws: Workspace;
let server: TestServer;
let resultsFile: string;

/** The position just inside the first occurrence of `needle` after `from` in `text`. */
function positionOf(text: string, needle: string, from = 0): { line: number; character: number } {
  const offset = text.indexOf(needle, from);
  assert.ok(offset >= 0, `${needle} not found`);
  const lines = text.slice(0, offset + 2).split('\n');
  return { line: lines.length - 1, character: (lines.at(-1) ?? '').length };
}

async function hover(uri: string, text: string, needle: string, from = 0): Promise<string> {
  const result = await server.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, from) });
  assert.ok(result !== null, `no hover over ${needle}`);
  return (result.contents as { value: string }).value;
}

before(async () => {
  ws = await makeWorkspace();
  server = await startServer({ workspace: ws.root });
  resultsFile = path.join(ws.root, 'sens.json');
  const spec = { kind: 'sensitivity', file: resultsFile, model: ws.model, dataset: ws.data, params: ['conv2_1_sep_weights', 'conv3_1_sep_weights', 'fc7_weights'], ratios: [0.1, 0.5], metric: 'agreement' };
  const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec });
  const end = await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.state !== 'running');
  assert.equal(end.state, 'succeeded', end.error);
});

after(async () => {
  await server.stop();
  fs.rmSync(ws.root, { recursive: true, force: true });
});

test('hover over a layer name in model.json shows the layer, its cost, its sensitivity row and its group', async () => {
  const { uri, text } = await server.openDocument(ws.model);
  const md = await hover(uri, text, '"conv2_1_sep"');
  assert.match(md, /\*\*conv2_1_sep\*\* · Conv2D/);
  assert.match(md, /kernel \[1, 1, 8, 16\] · output \[N, 14, 14, 16\]/);
  assert.match(md, /128 params · 25\.1k MACs \(\d+\.\d\d% of [\d.]+k\) · 16 output channels/);
  assert.match(md, /\| ratio \| 0\.10 \| 0\.50 \|/);
  assert.match(md, /\| loss \| -?\d+\.\d\d% \| -?\d+\.\d\d% \|/);
  assert.match(md, /Ratio at loss ≤ 1\.00%: \*\*0\.\d\d\*\* · \*\*Sensitivity\*\*/);
  assert.match(md, /Channel group\*\* `conv2_1_sep_weights` \(16 channels\), pruned with `conv2_2_dw_weights`/);
  // Short enough for the editor's hover (about 250 px at the default window size) to show whole.
  const shown = md.split('\n').filter((l) => l.trim() !== '' && !/^(---|\|---)/.test(l));
  assert.ok(shown.length <= 8, `the hover has ${shown.length} lines:\n${md}`);
  assert.match(md, /conv2_1_sep_bn_scale/);
  // The manifest's weight name leads to the same layer.
  const manifest = await hover(uri, text, '"conv2_1_sep/kernel"');
  assert.match(manifest, /\*\*conv2_1_sep\*\* · Conv2D/);
});

test('hover over a parameter in a results file and over a quoted name in Python', async () => {
  const results = await server.openDocument(resultsFile);
  const inResults = await hover(results.uri, results.text, '"conv3_1_sep_weights"', results.text.indexOf('"params"'));
  assert.match(inResults, /\*\*conv3_1_sep\*\* · Conv2D/);
  assert.match(inResults, /\| ratio \| 0\.10 \| 0\.50 \|/);
  const script = path.join(ws.root, 'prune.py');
  fs.writeFileSync(script, "params = ['conv2_1_sep_weights', 'not_a_param']\n");
  const py = await server.openDocument(script, 'python');
  const inPython = await hover(py.uri, py.text, "'conv2_1_sep_weights'");
  assert.match(inPython, /Sensitivity\*\* \(sens\.json, agreement, l1_norm\)/);
  const nothing = await server.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: py.uri }, position: positionOf(py.text, "'not_a_param'") });
  assert.equal(nothing, null);
});

test('an unprunable group shows its reason; a changed model makes the results stale, with a re-run action', async () => {
  const uri = uriOf(resultsFile);
  const isOurs = (p: PublishDiagnosticsParams): boolean => p.uri === uri;
  const first = await server.waitFor<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => isOurs(p) && p.diagnostics.some((d) => d.code === 'unprunable-group'));
  const unprunable = first.diagnostics.find((d) => d.code === 'unprunable-group') as Diagnostic;
  assert.match(unprunable.message, /^fc7_weights cannot be pruned: .+/);
  assert.ok(!first.diagnostics.some((d) => d.code === 'stale-results'));

  const changed = buildModel('mobilenetV1', { widthMultiplier: 0.25, seed: 2 });
  await saveModel(changed, path.dirname(ws.model));
  changed.dispose();
  await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(ws.model), type: 2 }, { uri: uriOf(path.join(path.dirname(ws.model), 'weights.bin')), type: 2 }] });
  const stale = await server.waitFor<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => isOurs(p) && p.diagnostics.some((d) => d.code === 'stale-results'));
  const diagnostic = stale.diagnostics.find((d) => d.code === 'stale-results') as Diagnostic;
  assert.match(diagnostic.message, /^stale: measured on another version of .*model\.json/);
  const actions = await server.connection.sendRequest<{ title: string; command?: { command: string; arguments?: unknown[] } }[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  });
  assert.equal(actions.length, 1);
  assert.equal(actions[0]?.command?.command, 'prunelens.startJob');
  assert.deepEqual(actions[0]?.command?.arguments, [{ kind: 'sensitivity', file: resultsFile, restart: true }]);
});
