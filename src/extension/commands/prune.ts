/**
 * Prune Model and Save...: ratios from a results file at a loss threshold (the model is the
 * one the file was measured on) or from a ratios file (pick the model), then the channel
 * criterion and a new output folder.
 */
import * as vscode from 'vscode';
import type { PruneJobSpec } from '../../shared/protocol';
import { CRITERIA } from '../../shared/vocabulary';
import type { Ctx } from '../ctx';
import type { ExplorerNode } from '../explorer';
import { parseLossThreshold } from '../validate';
import { askValue, checkOutputFolder, pickModel, pickOne, pickResultsFile } from './pick';

const TITLE = 'Prune Model and Save';

async function ratiosSource(ctx: Ctx, arg: unknown): Promise<Pick<PruneJobSpec, 'model' | 'ratios'> | undefined> {
  // From a results file in the explorer, the ratios come from that file.
  const how = (arg as ExplorerNode | undefined)?.kind === 'file'
    ? { value: 'results' }
    : await pickOne({ title: TITLE, step: 1, steps: 4 }, 'Where the ratios come from', [
        { label: 'A results file, at a loss threshold', value: 'results' },
        { label: 'A ratios file (from Compute Ratios)', value: 'ratios' },
      ]);
  if (how === undefined) return undefined;
  if (how.value === 'results') {
    const results = await pickResultsFile(ctx, { title: TITLE, step: 1, steps: 4 }, arg);
    if (results === undefined) return undefined;
    const loss = await askValue({ title: TITLE, step: 2, steps: 4 }, 'Loss threshold, e.g. 0.01 or 1%', String(ctx.config.lossThreshold), parseLossThreshold);
    return loss === undefined ? undefined : { ratios: { results, loss } };
  }
  const model = await pickModel({ title: TITLE, step: 1, steps: 4 });
  if (model === undefined) return undefined;
  const file = await vscode.window.showOpenDialog({ title: `${TITLE} (2/4): ratios file`, canSelectMany: false, filters: { 'Ratios files': ['json'] } });
  const ratiosFile = file?.[0]?.fsPath;
  return ratiosFile === undefined ? undefined : { model, ratios: { file: ratiosFile } };
}

export async function pruneModel(ctx: Ctx, arg?: unknown): Promise<void> {
  const source = await ratiosSource(ctx, arg);
  if (source === undefined) return;
  const criteria = [ctx.config.criterion, ...CRITERIA.filter((c) => c !== ctx.config.criterion)];
  const criterion = await pickOne({ title: TITLE, step: 3, steps: 4 }, 'Which channels go', criteria.map((c) => ({ label: c, value: c })));
  if (criterion === undefined) return;
  const output = await askValue({ title: TITLE, step: 4, steps: 4 }, 'Folder for the pruned model (new or empty)', 'pruned-model', checkOutputFolder);
  if (output === undefined) return;
  // Ratios from a results file say which data they were measured on: the job measures what the pruning costs there.
  await ctx.jobs.start({ kind: 'prune', ...source, criterion: criterion.value, output, ...('results' in source.ratios ? { measure: true } : {}) });
}
