/**
 * One job from the extension to a worker process and back: the `prunelens.startJob`
 * command sends a sensitivity job to the server, whose worker measures one point and
 * writes it to the results file. The test waits on the file system's change events for
 * that point to be in the file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import { modelFile, workspaceRoot } from './workspace';

interface ResultsLike {
  readonly format?: string;
  readonly points?: Record<string, Record<string, { loss?: number }>>;
}

function read(file: string): ResultsLike | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsLike;
  } catch {
    // Not there yet, or caught between writes.
    return undefined;
  }
}

/** Resolves with the file's content once `done` holds for it, checking on every change in its folder. */
function whenFile(file: string, done: (r: ResultsLike) => boolean): Promise<ResultsLike> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const r = read(file);
      if (r === undefined || !done(r)) return false;
      watcher.close();
      resolve(r);
      return true;
    };
    const watcher = fs.watch(path.dirname(file), () => void check());
    check();
  });
}

describe('job round trip', () => {
  it('a sensitivity job started by command writes its point', async () => {
    const file = path.join(workspaceRoot(), 'round-trip.json');
    const measured = (r: ResultsLike): boolean => Object.values(r.points ?? {}).some((table) => typeof table['0.5']?.loss === 'number');
    const written = whenFile(file, measured);
    const spec = { kind: 'sensitivity', file, model: modelFile(), dataset: 'builtin', params: ['conv2_1_sep_weights'], ratios: [0.5] };
    await vscode.commands.executeCommand('prunelens.startJob', spec);
    const results = await written;
    assert.equal(results.format, 'prunelens-sensitivity');
  });
});
