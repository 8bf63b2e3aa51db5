/**
 * Runs a job as the extension's commands do (`prunelens.startJob`, which resolves when the
 * job has ended) and requires it to succeed.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export interface Ended {
  readonly state: string;
  readonly error?: string;
  readonly result?: { readonly summary: string };
}

export async function runJob(spec: Record<string, unknown>): Promise<Ended> {
  const ended = await vscode.commands.executeCommand<Ended | undefined>('prunelens.startJob', spec);
  assert.ok(ended, `the ${String(spec['kind'])} job did not start`);
  assert.equal(ended.state, 'succeeded', `the ${String(spec['kind'])} job ended ${ended.state}: ${ended.error ?? ''}`);
  return ended;
}
