/**
 * The language client is running and its server answers: a hover over a layer name in
 * model.json comes from the PruneLens server only (it describes the layer's class, kernel
 * and cost, which no other provider knows).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';
import { modelFile } from './workspace';

function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

describe('language client', () => {
  it('serves a hover over a layer name in model.json', async () => {
    const doc = await vscode.workspace.openTextDocument(modelFile());
    const offset = doc.getText().indexOf('"conv2_1_sep"');
    assert.ok(offset >= 0, 'the model names conv2_1_sep');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset + 2));
    const text = hoverText(hovers);
    assert.match(text, /\*\*conv2_1_sep\*\* · Conv2D/);
    assert.match(text, /\d+ params · [\d.]+k MACs \(\d+\.\d\d% of [\d.]+k\)/);
  });
});
