/** Every command the manifest contributes is registered once the extension is active. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import { extension } from './workspace';

describe('commands', () => {
  it('registers every contributed command', async () => {
    const manifest = extension().packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 10, 'the manifest lists the commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });
});
