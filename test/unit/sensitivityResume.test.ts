/**
 * Resume after a hard kill: a scan running in a child process is SIGKILLed once some points
 * are in its results file. The file must parse as a valid results file at every change the
 * test observes, and a rerun must compute exactly the points that are missing: no written
 * point again, so at most the point that was in progress when the kill landed.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseResults } from '../../src/core/sensitivity/resultsFile';
import type { SensitivityResults } from '../../src/shared/results';
import { tempDir } from './sensitivityFixtures';

const CHILD = path.join(__dirname, 'fixtures', 'resumeScan.ts');
/** 2 groups (a_weights; stem_weights with b_weights) x the 9 default ratios. */
const TOTAL = 18;

function pointsIn(results: SensitivityResults): Set<string> {
  return new Set(Object.entries(results.points).flatMap(([g, table]) => Object.keys(table).map((r) => `${g} ${r}`)));
}

interface Run {
  /** Evaluations of pruned models started. */
  starts: number;
  /** Points the child reported written, as "GROUP RATIO". */
  done: string[];
  /** How the child ended. */
  signal: NodeJS.Signals | null;
  code: number | null;
}

/**
 * Runs the child; each time the results file changes, checks it and, once `killAfter`
 * points are in it, SIGKILLs the child.
 */
function runChild(file: string, killAfter: number | undefined, observed: { parses: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { starts: 0, done: [], signal: null, code: null };
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'start') run.starts++;
        else if (line.startsWith('done ')) run.done.push(line.slice(5));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const check = (): void => {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return; // not written yet
      }
      // Throws (failing the test) if a reader ever sees a partial or invalid file.
      const results = parseResults(text, file);
      observed.parses++;
      if (killAfter !== undefined && pointsIn(results).size >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    };
    const watcher = fs.watch(path.dirname(file), () => {
      try {
        check();
      } catch (e) {
        watcher.close();
        child.kill('SIGKILL');
        reject(e as Error);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      watcher.close();
      run.code = code;
      run.signal = signal;
      if (signal === null && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve(run);
    });
  });
}

it('a scan killed with SIGKILL resumes recomputing at most the point in progress; the file is always valid', async () => {
  const file = path.join(tempDir(), 'sens.json');
  const observed = { parses: 0 };
  const killed = await runChild(file, 2, observed);
  assert.equal(killed.signal, 'SIGKILL', 'the child must have been killed midway');
  const written = pointsIn(parseResults(fs.readFileSync(file, 'utf8'), file));
  assert.ok(written.size >= 2 && written.size < TOTAL, `${written.size} points after the kill`);
  // The scan is sequential: every started point but the last one is in the file.
  const inProgress = killed.starts - written.size;
  assert.ok(inProgress === 0 || inProgress === 1, `${killed.starts} started, ${written.size} written`);

  const resumed = await runChild(file, undefined, observed);
  assert.equal(resumed.code, 0);
  assert.deepEqual(resumed.done.filter((p) => written.has(p)), [], 'no point in the file is computed again');
  assert.equal(resumed.done.length, TOTAL - written.size);
  assert.equal(resumed.starts, TOTAL - written.size);
  assert.equal(pointsIn(parseResults(fs.readFileSync(file, 'utf8'), file)).size, TOTAL);
  assert.ok(observed.parses >= 2, `only ${observed.parses} changes observed`);
});
