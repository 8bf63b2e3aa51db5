/**
 * Starting this CLI again as a child process (the demo's second process, the workers of
 * `sensitivity --workers N`). The entry point is found from this module's own location, not
 * from process.argv, so it works from the bundle (dist/cli.js), from the TypeScript sources
 * (under tsx) and when the CLI runs inside another program such as a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export function spawnCli(args: readonly string[]): ChildProcess {
  const fromSources = __filename.endsWith('.ts');
  const entry = fromSources ? path.join(__dirname, 'main.ts') : __filename;
  const loader = fromSources && !process.execArgv.some((a) => a.includes('tsx')) ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...process.execArgv, ...loader, entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
