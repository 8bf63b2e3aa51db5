/**
 * The prompts commands are made of: pick a results file, a model, a dataset; type a value
 * that is checked as it is typed (the message shows under the box). Each returns
 * undefined when the user presses Escape, which ends the command quietly.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ListResultsFilesRequest } from '../../shared/protocol';
import { ZOO_NAMES } from '../../shared/vocabulary';
import type { Ctx } from '../ctx';
import type { ExplorerNode } from '../explorer';
import type { Parsed } from '../validate';

export interface Step {
  readonly title: string;
  /** 1-based position and count of the prompts in this command, shown in the title. */
  readonly step: number;
  readonly steps: number;
}

export function titled(s: Step): string {
  return `${s.title} (${s.step}/${s.steps})`;
}

/** The first workspace folder, where relative paths typed into prompts are taken from. */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function resolveTyped(text: string): string {
  const root = workspaceRoot();
  return path.isAbsolute(text) || root === undefined ? text : path.join(root, text);
}

export function relativeToRoot(file: string): string {
  const root = workspaceRoot();
  const rel = root === undefined ? file : path.relative(root, file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * An input box whose text is parsed on every keystroke, with the parser's error (or its
 * note, such as a count of matches) under the box; resolves with the parsed value.
 */
export async function askValue<T>(s: Step, prompt: string, value: string, parse: (text: string) => Parsed<T> | Promise<Parsed<T>>): Promise<T | undefined> {
  const text = await vscode.window.showInputBox({
    title: titled(s),
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: async (t) => {
      const parsed = await parse(t);
      if (parsed.error !== undefined) return parsed.error;
      return parsed.note === undefined ? null : { message: parsed.note, severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  if (text === undefined) return undefined;
  const parsed = await parse(text);
  return parsed.error === undefined ? parsed.value : undefined;
}

export async function pickOne<T extends vscode.QuickPickItem>(s: Step, placeHolder: string, items: readonly T[]): Promise<T | undefined> {
  return vscode.window.showQuickPick(items, { title: titled(s), placeHolder, ignoreFocusOut: true, matchOnDescription: true });
}

const BROWSE = '$(folder-opened) Browse...';
const BROWSE_FILES = 'Browse...';

/** A results file: the one a command was invoked on (explorer node or file), else a pick. */
export async function pickResultsFile(ctx: Ctx, s: Step, arg?: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const node = arg as ExplorerNode | undefined;
  if (node?.kind === 'file') return node.entry.path;
  if (node?.kind === 'group' || node?.kind === 'member') return node.file.path;
  const files = (await ctx.client?.sendRequest(ListResultsFilesRequest, {}))?.files ?? [];
  const items = [...files.map((f) => ({ label: relativeToRoot(f.path), description: f.modelName ?? f.error ?? '', file: f.path })), { label: BROWSE, description: '', file: '' }];
  const picked = await pickOne(s, files.length > 0 ? 'Sensitivity results file' : 'No results file in the workspace yet; browse for one', items);
  if (picked === undefined) return undefined;
  if (picked.file !== '') return picked.file;
  const chosen = await vscode.window.showOpenDialog({ title: titled(s), canSelectMany: false, filters: { 'Results files': ['json'] } });
  return chosen?.[0]?.fsPath;
}

/**
 * Several results files (for merging): picked from the workspace's, with a Browse entry for
 * others. With none in the workspace a message says so and offers Browse.
 */
export async function pickResultsFiles(ctx: Ctx, s: Step): Promise<string[] | undefined> {
  const files = ((await ctx.client?.sendRequest(ListResultsFilesRequest, {}))?.files ?? []).filter((f) => f.error === undefined);
  const browse = async (): Promise<string[] | undefined> =>
    (await vscode.window.showOpenDialog({ title: titled(s), canSelectMany: true, filters: { 'Results files': ['json'] } }))?.map((u) => u.fsPath);
  if (files.length === 0) {
    const choice = await vscode.window.showInformationMessage(`${s.title}: there are no sensitivity results files in this workspace.`, BROWSE_FILES);
    return choice === BROWSE_FILES ? browse() : undefined;
  }
  const picked = await vscode.window.showQuickPick(
    [...files.map((f) => ({ label: relativeToRoot(f.path), description: f.modelName ?? '', file: f.path })), { label: BROWSE, description: 'results files outside the workspace', file: '' }],
    { title: titled(s), placeHolder: 'Results files to merge (later files win for the same point)', canPickMany: true, ignoreFocusOut: true },
  );
  if (picked === undefined) return undefined;
  const chosen = picked.filter((p) => p.file !== '').map((p) => p.file);
  if (picked.length === chosen.length) return chosen;
  const more = await browse();
  return more === undefined ? undefined : [...chosen, ...more];
}

/** A model.json or .onnx file in the workspace (or browsed to); with `zoo`, a fresh zoo model too. */
export async function pickModel(s: Step, opts: { zoo?: boolean; arg?: unknown } = {}): Promise<string | undefined> {
  if (opts.arg instanceof vscode.Uri && /\.(json|onnx)$/i.test(opts.arg.fsPath)) return opts.arg.fsPath;
  const found = await vscode.workspace.findFiles('**/{model.json,*.onnx}', '**/node_modules/**', 200);
  const items = [
    ...found.map((u) => ({ label: relativeToRoot(u.fsPath), description: u.fsPath.toLowerCase().endsWith('.onnx') ? 'ONNX model' : 'TF.js Layers model', value: u.fsPath })),
    ...(opts.zoo ? ZOO_NAMES.map((m) => ({ label: `zoo:${m}`, description: 'a fresh, untrained model (28x28x1, 10 classes)', value: `zoo:${m}` })) : []),
    { label: BROWSE, description: '', value: '' },
  ];
  const picked = await pickOne(s, 'Model', items);
  if (picked === undefined) return undefined;
  if (picked.value !== '') return picked.value;
  const chosen = await vscode.window.showOpenDialog({ title: titled(s), canSelectMany: false, filters: { 'Models (model.json, .onnx)': ['json', 'onnx'] } });
  return chosen?.[0]?.fsPath;
}

/** Checks a typed output folder: it may not exist yet, or must be an empty folder. */
export async function checkOutputFolder(text: string): Promise<Parsed<string>> {
  if (text.trim() === '') return { error: 'give a folder' };
  const target = vscode.Uri.file(resolveTyped(text.trim()));
  try {
    const stat = await vscode.workspace.fs.stat(target);
    if (stat.type !== vscode.FileType.Directory) return { error: 'this path exists and is not a folder' };
    if ((await vscode.workspace.fs.readDirectory(target)).length > 0) return { error: 'this folder is not empty; choose a new one' };
  } catch {
    // It does not exist: the job creates it.
  }
  return { value: resolveTyped(text.trim()) };
}
