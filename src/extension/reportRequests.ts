/**
 * What the report webview asks the extension to do, each answered with an outcome for the
 * page's status line: Prune and Save (a prune job through the job manager, with the ratios
 * of the budget on screen taken from the results file by the same code; the page hears
 * that it runs, then how it ended), saving an export the page built (a ratios file, CSV),
 * the `prunelens plot` SVG at the current budget (drawn by the server), and Reveal in
 * Model File.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LocateParamRequest, RenderPlotRequest } from '../shared/protocol';
import { formatPercent } from '../shared/format';
import type { CombinedFigure, WebviewRequest } from '../shared/webviewMessages';
import { askValue, checkOutputFolder, relativeToRoot } from './commands/pick';
import type { Ctx } from './ctx';

export interface RequestOutcome {
  readonly ok: boolean;
  readonly message: string;
  readonly combined?: CombinedFigure;
}

const FILTERS: Readonly<Record<string, Record<string, string[]>>> = {
  ratios: { 'Ratios file': ['json'] },
  csv: { CSV: ['csv'] },
  svg: { SVG: ['svg'] },
};

/** Asks where to save (beside the results file by default) and writes `text` there. */
async function saveAs(resultsFile: string, fileName: string, kind: string, text: string): Promise<RequestOutcome> {
  const target = await vscode.window.showSaveDialog({
    title: `Export ${kind === 'ratios' ? 'ratios' : kind.toUpperCase()}`,
    defaultUri: vscode.Uri.file(path.join(path.dirname(resultsFile), fileName)),
    filters: FILTERS[kind] ?? {},
  });
  if (target === undefined) return { ok: false, message: 'cancelled' };
  if (path.resolve(target.fsPath) === path.resolve(resultsFile)) return { ok: false, message: 'that is the results file itself; choose another name' };
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  return { ok: true, message: `saved to ${relativeToRoot(target.fsPath)}` };
}

/**
 * Answers one request; `progress` tells the page how a request that starts a job is
 * getting on before the final answer (the job's outcome) comes back.
 */
export async function answerRequest(ctx: Ctx, resultsFile: string, resultsUri: string, request: WebviewRequest, progress: (message: string) => void): Promise<RequestOutcome> {
  switch (request.type) {
    case 'prune': {
      const stem = path.basename(resultsFile).replace(/\.json$/i, '');
      const suggestion = relativeToRoot(path.join(path.dirname(resultsFile), `${stem}-pruned`));
      const output = await askValue({ title: 'Prune and Save', step: 1, steps: 1 }, `Folder for the pruned model (new or empty); the ratios of a loss budget of ${formatPercent(request.loss)}`, suggestion, checkOutputFolder);
      if (output === undefined) return { ok: false, message: 'cancelled' };
      const job = await ctx.jobs.start({ kind: 'prune', ratios: { results: resultsFile, loss: request.loss }, criterion: request.criterion, output, measure: true });
      if (job === undefined) return { ok: false, message: 'the job did not start (see the error message)' };
      progress(`running "${job.title}"...`);
      const end = await ctx.jobs.ended(job.id);
      if (end.state === 'succeeded') return { ok: true, message: `finished: ${end.result?.summary ?? relativeToRoot(output)}` };
      return { ok: false, message: end.state === 'cancelled' ? 'cancelled while running' : `failed: ${end.error ?? 'no reason given'}` };
    }
    case 'measure':
    case 'fitModelLoss': {
      const rule = request.type === 'measure' ? { loss: request.loss } : { modelLoss: request.budget };
      const job = await ctx.jobs.start({ kind: 'ratios', file: resultsFile, rule, measure: true });
      if (job === undefined) return { ok: false, message: 'the job did not start (see the error message)' };
      progress('pruning every group at once and evaluating the model on the data of the scan...');
      const end = await ctx.jobs.ended(job.id);
      const m = end.result?.metrics ?? {};
      const [threshold, baseline, value, loss] = [m['loss'], m['baseline'], m['combinedMetric'], m['combinedLoss']];
      if (end.state !== 'succeeded' || threshold === undefined || baseline === undefined || value === undefined || loss === undefined) {
        return { ok: false, message: end.state === 'cancelled' ? 'cancelled while running' : `failed: ${end.error ?? 'no measurement came back'}` };
      }
      const evaluations = m['evaluations'];
      const combined: CombinedFigure = { threshold, baseline, value, loss, ...(request.type === 'fitModelLoss' ? { modelLoss: request.budget, ...(evaluations !== undefined ? { evaluations } : {}) } : {}) };
      return { ok: true, message: end.result?.summary ?? 'measured', combined };
    }
    case 'saveText':
      return saveAs(resultsFile, request.fileName, request.kind, request.text);
    case 'exportSvg': {
      if (ctx.client === undefined) return { ok: false, message: 'the PruneLens server is not running' };
      const { svg } = await ctx.client.sendRequest(RenderPlotRequest, { uri: resultsUri, threshold: request.loss });
      return saveAs(resultsFile, request.fileName, 'svg', svg);
    }
  }
}

/** Opens the model.json a results file was measured on at the layer of `param`. */
export async function revealParamIn(ctx: Ctx, resultsUri: string, param: string): Promise<void> {
  const found = await ctx.client?.sendRequest(LocateParamRequest, { resultsUri, param });
  if (found === undefined || found === null) {
    void vscode.window.showWarningMessage(`PruneLens: cannot find the model file ${param} belongs to (the results file names none, or it moved).`);
    return;
  }
  const position = new vscode.Position(found.line, found.character);
  await vscode.window.showTextDocument(vscode.Uri.parse(found.uri), { selection: new vscode.Range(position, position) });
}
