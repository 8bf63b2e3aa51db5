/**
 * Show Sensitivity Report (the interactive report of a results file, in a webview panel;
 * see src/extension/reportPanel.ts) and Reveal in Model File (a parameter's layer in the
 * model.json its results file was measured on).
 */
import type { Ctx } from '../ctx';
import type { ExplorerNode } from '../explorer';
import { revealParamIn } from '../reportRequests';
import { pickResultsFile } from './pick';

export async function showReport(ctx: Ctx, arg?: unknown): Promise<void> {
  const file = await pickResultsFile(ctx, { title: 'Show Sensitivity Report', step: 1, steps: 1 }, arg);
  if (file === undefined) return;
  ctx.reports.show(file);
}

export async function revealParam(ctx: Ctx, arg?: unknown): Promise<void> {
  const node = arg as ExplorerNode | undefined;
  if ((node?.kind !== 'group' && node?.kind !== 'member') || ctx.client === undefined) return;
  await revealParamIn(ctx, node.file.uri, node.kind === 'member' ? node.param : node.row.id);
}
