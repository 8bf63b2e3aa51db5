/**
 * Every custom request honours its cancellation token: a request the client cancels is
 * answered as cancelled (LSP's RequestCancelled), even when its work (here, describing a
 * model in a worker) would take a while.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CancellationTokenSource, LSPErrorCodes, type ResponseError } from 'vscode-languageserver-protocol';
import { makeWorkspace, startServer, type TestServer, type Workspace } from './serverHarness';

let ws: Workspace;
let server: TestServer;

before(async () => {
  ws = await makeWorkspace();
  server = await startServer({ workspace: ws.root });
});

after(async () => {
  await server.stop();
  fs.rmSync(ws.root, { recursive: true, force: true });
});

test('a cancelled custom request is answered as cancelled', async () => {
  const source = new CancellationTokenSource();
  const pending = server.connection.sendRequest('prunelens/modelParams', { model: ws.model }, source.token);
  source.cancel();
  await assert.rejects(pending, (err: ResponseError<unknown>) => err.code === LSPErrorCodes.RequestCancelled);
  // The server is still answering, and the uncancelled request gets its facts.
  const answer = await server.connection.sendRequest<{ params: unknown[] }>('prunelens/modelParams', { model: ws.model });
  assert.ok(answer.params.length > 0);
});
