/**
 * Merge Sensitivity Files...: PaddleSlim's merge_sensitive on picked files. Files measured
 * on different models or datasets are refused by the server; the error offers to merge
 * them anyway.
 */
import * as vscode from 'vscode';
import type { MergeJobSpec } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import { parseJsonFileName } from '../validate';
import { askValue, pickResultsFiles, resolveTyped } from './pick';

async function start(ctx: Ctx, spec: MergeJobSpec): Promise<void> {
  await ctx.jobs.start(spec, {
    onFailed: async (info) => {
      if (spec.force || !/not comparable/.test(info.error ?? '')) return false;
      const choice = await vscode.window.showErrorMessage(`${info.title} failed: ${info.error ?? ''}`, 'Merge Anyway');
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
