/**
 * The server's connection to its client. Over stdio, one message with a bad header (no
 * Content-Length, or one that is not a number) leaves vscode-jsonrpc's reader stuck: it
 * reports the error, then waits for a header that can never come, and the server lives on,
 * deaf. Here any read error on stdio ends the process instead, after saying why on stderr,
 * so that the client sees it exit and starts a new one (which resumes the running jobs).
 * Node IPC (what the extension uses) carries whole messages and needs none of this.
 */
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';

/** `fatal` is called once with why the connection cannot go on; it must end the process. */
export function serverConnection(fatal: (why: string) => void): Connection {
  if (!process.argv.includes('--stdio')) return createConnection(ProposedFeatures.all);
  const reader = new StreamMessageReader(process.stdin);
  const writer = new StreamMessageWriter(process.stdout);
  let ended = false;
  const end = (why: string): void => {
    if (ended) return;
    ended = true;
    fatal(why);
  };
  reader.onError((err) => end(`unreadable message from the client (${err.message})`));
  reader.onClose(() => end('the client closed the connection'));
  return createConnection(ProposedFeatures.all, reader, writer);
}
