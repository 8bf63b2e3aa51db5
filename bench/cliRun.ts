/**
 * Runs the built CLI (dist/cli.js) as a user would, in a process of its own, timed from its
 * start to its exit, with the CPU time and peak memory of its whole process tree sampled
 * from /proc (processTree.ts): what the benchmarks quote for a command.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sampleTree } from './processTree';

export const CLI = path.join(__dirname, '..', 'dist', 'cli.js');

export interface CliRun {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly stdout: string;
}

/** `prunelens ARGS`; fails with the end of its stderr when it exits with an error. */
export async function runCli(args: readonly string[], samplePeriodMs = 100): Promise<CliRun> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
  const start = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const usage = sampleTree(child.pid as number, samplePeriodMs);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - start) / 1000;
  const tree = usage.stop();
  if (code !== 0) throw new Error(`prunelens ${args.join(' ')} failed (exit ${code}):\n${stderr.slice(-2000)}`);
  return { seconds, cpuSeconds: tree.cpuSeconds, peakRssMb: tree.peakRssMb, stdout };
}
