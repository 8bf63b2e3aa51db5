/**
 * Show Sensitivity Report (for now the `prunelens plot` picture in a panel; the
 * interactive report replaces it) and Reveal in Model File (a parameter's layer in the
 * model.json its results file was measured on).
 */
import * as vscode from 'vscode';
import { LocateParamRequest, RenderPlotRequest } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import type { ExplorerNode } from '../explorer';
import { showReportPanel } from '../reportPanel';
import { pickResultsFile } from './pick';

export async function showReport(ctx: Ctx, arg?: unknown): Promise<void> {
  const file = await pickResultsFile(ctx, { title: 'Show Sensitivity Report', step: 1, steps: 1 }, arg);
  if (file === undefined || ctx.client === undefined) return;
  try {
    const { svg } = await ctx.client.sendRequest(RenderPlotRequest, { uri: vscode.Uri.file(file).toString(), threshold: ctx.config.lossThreshold });
    showReportPanel(file, svg);
  } catch (err) {
    void vscode.window.showErrorMessage(`PruneLens: ${(err as Error).message}`);
  }
}

export async function revealParam(ctx: Ctx, arg?: unknown): Promise<void> {
  const node = arg as ExplorerNode | undefined;
  if (node?.kind !== 'param' || ctx.client === undefined) return;
  const found = await ctx.client.sendRequest(LocateParamRequest, { resultsUri: node.file.uri, param: node.row.param });
  if (found === null) {
    void vscode.window.showWarningMessage(`PruneLens: cannot find the model file ${node.row.param} belongs to (the results file names none, or it moved).`);
    return;
  }
  const position = new vscode.Position(found.line, found.character);
  await vscode.window.showTextDocument(vscode.Uri.parse(found.uri), { selection: new vscode.Range(position, position) });
}
