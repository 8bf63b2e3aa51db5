/**
 * Where the worker entry is: dist/worker.js beside the running bundle (the CLI's and the
 * language server's bundles sit in one folder), or the TypeScript entry under tsx when
 * running from the sources (tests, `npx tsx src/cli/main.ts`).
 */
import * as path from 'node:path';
import type { WorkerLauncher } from './workerProcess';

export function defaultWorkerLauncher(execArgv?: readonly string[]): WorkerLauncher {
  const fromSource = __filename.endsWith('.ts');
  if (fromSource) return { module: path.join(__dirname, 'workerMain.ts'), execArgv: execArgv ?? ['--import', 'tsx'] };
  return { module: path.join(__dirname, 'worker.js'), execArgv: execArgv ?? [] };
}
