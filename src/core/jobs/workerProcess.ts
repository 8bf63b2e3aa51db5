/**
 * Starting and stopping one worker process. The module and Node options are injected
 * (WorkerLauncher): the bundled server forks dist/worker.js, tests fork the TypeScript
 * entry under tsx. A worker's stdout and stderr are captured line by line for the server's
 * log; they must never reach the server's own stdout, which may carry the LSP stream.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

export interface WorkerLauncher {
  readonly module: string;
  readonly execArgv: readonly string[];
}

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last reply, when the worker said how it ended ('done', 'described' or 'failed'). */
  readonly final?: WorkerReply;
}

export interface WorkerHandle {
  readonly pid: number;
  readonly exited: Promise<WorkerExit>;
  /** SIGTERM, then SIGKILL after `graceMs` if the process is still there. Resolves once it is gone. */
  stop(graceMs?: number): Promise<WorkerExit>;
}

const FINAL_TYPES: ReadonlySet<WorkerReply['type']> = new Set(['done', 'described', 'failed']);

function pipeLines(stream: NodeJS.ReadableStream | null, log: (line: string) => void): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') log(line);
  });
  stream?.on('end', () => rest.trim() !== '' && log(rest));
}

export function startWorker(launcher: WorkerLauncher, request: WorkerRequest, onReply: (reply: WorkerReply) => void, log: (line: string) => void): WorkerHandle {
  const child: ChildProcess = fork(launcher.module, [], {
    execArgv: [...launcher.execArgv],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // The model, data and results paths in a spec are absolute; the cwd only matters for
    // tsx, which resolves its loader from here.
    cwd: process.cwd(),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start a worker process (${launcher.module})`);
  pipeLines(child.stdout, (line) => log(`[worker ${pid}] ${line}`));
  pipeLines(child.stderr, (line) => log(`[worker ${pid}] ${line}`));
  let final: WorkerReply | undefined;
  child.on('message', (reply: WorkerReply) => {
    if (FINAL_TYPES.has(reply.type)) final = reply;
    onReply(reply);
  });
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, ...(final ? { final } : {}) }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  child.send(request);
  return {
    pid,
    exited,
    async stop(graceMs = 1000): Promise<WorkerExit> {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        timer.unref();
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    },
  };
}
