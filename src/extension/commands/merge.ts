/**
 * Merge Sensitivity Files...: PaddleSlim's merge_sensitive on picked files. Files measured
 * on different models or datasets are refused by the server; the error says why and offers
 * to merge them anyway.
 */
import * as vscode from 'vscode';
import type { MergeJobSpec } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import { mergeRefusal, parseJsonFileName } from '../validate';
import { askValue, pickResultsFiles, resolveTyped } from './pick';

async function start(ctx: Ctx, spec: MergeJobSpec): Promise<void> {
  await ctx.jobs.start(spec, {
    onFailed: async (info) => {
      const refusal = mergeRefusal(info.error);
      if (spec.force || refusal === undefined) return false;
      const choice = await vscode.window.showErrorMessage(`${info.title}: ${refusal}`, 'Merge Anyway');
      if (choice === 'Merge Anyway') await start(ctx, { ...spec, force: true });
      return true;
    },
  });
}

export async function mergeResults(ctx: Ctx): Promise<void> {
  const inputs = await pickResultsFiles(ctx, { title: 'Merge Sensitivity Files', step: 1, steps: 2 });
  if (inputs === undefined || inputs.length === 0) return;
  const output = await askValue({ title: 'Merge Sensitivity Files', step: 2, steps: 2 }, 'Merged results file (may be one of the inputs)', 'merged-sensitivities.json', parseJsonFileName);
  if (output === undefined) return;
  await start(ctx, { kind: 'merge', inputs, output: resolveTyped(output) });
}
