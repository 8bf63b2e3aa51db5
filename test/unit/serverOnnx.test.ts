/**
 * The language server with an ONNX model: a scan job on model.onnx runs in a worker, hover
 * over a parameter of its results file shows the ONNX node and its group (described by a
 * worker, never in the server), and a changed .onnx file makes the results stale.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { readOnnxFile } from '../../src/core/onnx/readOnnx';
import { writeOnnxFile } from '../../src/core/onnx/writeOnnx';
import type { JobInfo } from '../../src/shared/protocol';
import { fixturePath } from './onnxFixtureUtil';
import { startServer, uriOf, type TestServer } from './serverHarness';

let root = '';
let server: TestServer;
let model = '';
let resultsFile = '';

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-server-onnx-'));
  model = path.join(root, 'net', 'mobilenetv2_mnist.onnx');
  fs.mkdirSync(path.dirname(model));
  fs.copyFileSync(fixturePath('mobilenetv2_mnist'), model);
  server = await startServer({ workspace: root });
  resultsFile = path.join(root, 'sens.json');
  const spec = { kind: 'sensitivity', file: resultsFile, model, dataset: 'builtin', datasetOptions: { limit: 200 }, params: ['features.2.conv.0.0.weight', 'features.4.0.weight'], ratios: [0.5], metric: 'agreement' };
  const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec });
  const end = await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.state !== 'running');
  assert.equal(end.state, 'succeeded', end.error);
});

after(async () => {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

test('hover over a parameter of an ONNX model shows its node, cost and group', async () => {
  const { uri, text } = await server.openDocument(resultsFile);
  const at = text.indexOf('"features.2.conv.0.0.weight"', text.indexOf('"params"'));
  const lines = text.slice(0, at + 2).split('\n');
  const result = await server.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: lines.length - 1, character: (lines.at(-1) ?? '').length } });
  const md = (result?.contents as { value: string } | undefined)?.value ?? '';
  assert.match(md, /\*\*\/features\/features\.2\/conv\/conv\.0\/conv\.0\.0\/Conv\*\* · Conv/);
  assert.match(md, /64 output channels/);
  assert.match(md, /features\.2\.conv\.1\.0\.weight/, 'the depthwise conv of its group');
});

test('a changed .onnx file makes the results stale', async () => {
  const uri = uriOf(resultsFile);
  const changed = await readOnnxFile(model);
  const initializers = changed.graph.initializers.map((t) => (t.name === 'classifier.1.bias' ? { ...t, data: new Float32Array(t.data.length) } : t));
  await writeOnnxFile({ ...changed, graph: { ...changed.graph, initializers } }, model);
  await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(model), type: 2 }] });
  const stale = await server.waitFor<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'stale-results'));
  const diagnostic = stale.diagnostics.find((d) => d.code === 'stale-results') as Diagnostic;
  assert.match(diagnostic.message, /mobilenetv2_mnist\.onnx/);
});
