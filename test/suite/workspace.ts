/**
 * What the in-host tests know about the workspace the end-to-end suite opens for them: a
 * folder holding model/model.json (a small trained MobileNetV1), and the extension under
 * test by its id.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'prunelens.prunelens';

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return folder.uri.fsPath;
}

export function modelFile(): string {
  return path.join(workspaceRoot(), 'model', 'model.json');
}

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext;
}
