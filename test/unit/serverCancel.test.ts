/**
 * Every custom request honours its cancellation token: a request the client cancels is
 * answered as cancelled (LSP's RequestCancelled), even when its work (here, describing a
 * model in a worker) would take a while.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancellationTokenSource, LSPErrorCodes, type ResponseError } from 'vscode-languageserver-protocol';
import { useServerWorkspace } from './serverHarness';

const ctx = useServerWorkspace();

test('a cancelled custom request is answered as cancelled', async () => {
  const source = new CancellationTokenSource();
  const pending = ctx.server.connection.sendRequest('prunelens/modelParams', { model: ctx.ws.model }, source.token);
  source.cancel();
  await assert.rejects(pending, (err: ResponseError<unknown>) => err.code === LSPErrorCodes.RequestCancelled);
  // The server is still answering, and the uncancelled request gets its facts.
  const answer = await ctx.server.connection.sendRequest<{ params: unknown[] }>('prunelens/modelParams', { model: ctx.ws.model });
  assert.ok(answer.params.length > 0);
});
