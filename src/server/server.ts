/**
 * The PruneLens language server: wiring only. Each LSP message goes in one line to the
 * Session (src/server/session.ts) or one of its providers; the work lives there and in
 * the worker processes the job manager starts.
 */
import { createConnection, ErrorCodes, LSPErrorCodes, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind, type CancellationToken, type Disposable } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelJobRequest,
  ListJobsRequest,
  ListResultsFilesRequest,
  LocateParamRequest,
  ModelParamsRequest,
  ReadResultsRequest,
  RenderPlotRequest,
  StartJobRequest,
} from '../shared/protocol';
import { Session } from './session';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let session: Session | undefined;

function active(): Session {
  if (session === undefined) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'the PruneLens server is not initialised yet');
  return session;
}

/**
 * Runs a request's work. Errors reach the client as a message, never as a crash; a request
 * the client cancels is answered at once as cancelled (the work it started may finish in the
 * background, its answer dropped), and work that looks at the token can stop early.
 */
async function answer<T>(token: CancellationToken, work: (token: CancellationToken) => Promise<T> | T): Promise<T> {
  const cancelled = (): ResponseError<void> => new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  if (token.isCancellationRequested) throw cancelled();
  let stop: Disposable | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(() => work(token)),
      new Promise<never>((_resolve, reject) => (stop = token.onCancellationRequested(() => reject(cancelled())))),
    ]);
  } catch (err) {
    if (err instanceof ResponseError) throw err;
    throw new ResponseError(ErrorCodes.InvalidRequest, err instanceof Error ? err.message : String(err));
  } finally {
    stop?.dispose();
  }
}

connection.onInitialize((params) => {
  session = new Session(connection, documents, params);
  return {
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, hoverProvider: true, codeActionProvider: true },
    serverInfo: { name: 'prunelens' },
  };
});
connection.onInitialized(() => void active().start());
connection.onShutdown(() => active().shutdown());
connection.onHover((params, token) => active().hover(params, token));
connection.onCodeAction((params) => active().codeActions(params));
connection.onDidChangeConfiguration((params) => void active().configurationChanged(params.settings));
connection.onDidChangeWatchedFiles((params) => void active().filesChanged(params));
documents.onDidOpen((e) => void active().documentChanged(e.document));
documents.onDidChangeContent((e) => void active().documentChanged(e.document));
connection.onRequest(StartJobRequest, (p, token) => answer(token, () => active().jobs.start(p.spec)));
connection.onRequest(CancelJobRequest, (p, token) => answer(token, async () => ({ cancelled: await active().jobs.cancel(p.jobId) })));
connection.onRequest(ListJobsRequest, (_p, token) => answer(token, () => ({ jobs: active().jobs.list() })));
connection.onRequest(ListResultsFilesRequest, (_p, token) => answer(token, () => active().requests.listResultsFiles()));
connection.onRequest(ReadResultsRequest, (p, token) => answer(token, () => active().requests.readResults(p.uri)));
connection.onRequest(ModelParamsRequest, (p, token) => answer(token, () => active().requests.modelParams(p.model)));
connection.onRequest(LocateParamRequest, (p, token) => answer(token, () => active().requests.locateParam(p.resultsUri, p.param)));
connection.onRequest(RenderPlotRequest, (p, token) => answer(token, () => active().requests.renderPlot(p.uri, p.threshold)));

documents.listen(connection);
connection.listen();
