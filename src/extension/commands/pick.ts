/**
 * The prompts commands are made of: pick a results file, a model, a dataset; type a value
 * that is checked as it is typed (the message shows under the box). Each returns
 * undefined when the user presses Escape, which ends the command quietly.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ListResultsFilesRequest, type DatasetSpec } from '../../shared/protocol';
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

function titled(s: Step): string {
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

/** An input box whose text is parsed on every keystroke; resolves with the parsed value. */
export async function askValue<T>(s: Step, prompt: string, value: string, parse: (text: string) => Parsed<T> | Promise<Parsed<T>>): Promise<T | undefined> {
  const text = await vscode.window.showInputBox({
    title: titled(s),
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: async (t) => (await parse(t)).error ?? null,
  });
  if (text === undefined) return undefined;
  const parsed = await parse(text);
  return parsed.error === undefined ? parsed.value : undefined;
}

export async function pickOne<T extends vscode.QuickPickItem>(s: Step, placeHolder: string, items: readonly T[]): Promise<T | undefined> {
  return vscode.window.showQuickPick(items, { title: titled(s), placeHolder, ignoreFocusOut: true, matchOnDescription: true });
}

const BROWSE = '$(folder-opened) Browse...';

/** A results file: the one a command was invoked on (explorer node or file), else a pick. */
export async function pickResultsFile(ctx: Ctx, s: Step, arg?: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const node = arg as ExplorerNode | undefined;
  if (node?.kind === 'file' || node?.kind === 'param') return node.kind === 'file' ? node.entry.path : node.file.path;
  const files = (await ctx.client?.sendRequest(ListResultsFilesRequest, {}))?.files ?? [];
  const items = [...files.map((f) => ({ label: relativeToRoot(f.path), description: f.modelName ?? f.error ?? '', file: f.path })), { label: BROWSE, description: '', file: '' }];
  const picked = await pickOne(s, files.length > 0 ? 'Sensitivity results file' : 'No results file in the workspace yet; browse for one', items);
  if (picked === undefined) return undefined;
  if (picked.file !== '') return picked.file;
  const chosen = await vscode.window.showOpenDialog({ title: titled(s), canSelectMany: false, filters: { 'Results files': ['json'] } });
  return chosen?.[0]?.fsPath;
}

/** Several results files (for merging). */
export async function pickResultsFiles(ctx: Ctx, s: Step): Promise<string[] | undefined> {
  const files = (await ctx.client?.sendRequest(ListResultsFilesRequest, {}))?.files ?? [];
  const picked = await vscode.window.showQuickPick(
    files.filter((f) => f.error === undefined).map((f) => ({ label: relativeToRoot(f.path), description: f.modelName ?? '', file: f.path })),
    { title: titled(s), placeHolder: 'Results files to merge (later files win for the same point)', canPickMany: true, ignoreFocusOut: true },
  );
  return picked?.map((p) => p.file);
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

/** The built-in MNIST digits or a folder of MNIST-format IDX files. */
export async function pickDataset(s: Step): Promise<DatasetSpec | undefined> {
  const picked = await pickOne(s, 'Dataset', [
    { label: 'Built-in MNIST digits', description: '10,000 digits shipped with PruneLens', value: 'builtin' },
    { label: '$(folder) IDX folder...', description: 'train-images-idx3-ubyte, t10k-images-idx3-ubyte, ... (optionally .gz)', value: '' },
  ]);
  if (picked === undefined) return undefined;
  if (picked.value !== '') return picked.value;
  const chosen = await vscode.window.showOpenDialog({ title: titled(s), canSelectFolders: true, canSelectFiles: false, canSelectMany: false });
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
