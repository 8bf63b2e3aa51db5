/**
 * Compute Ratios by Loss... and Compute Ratios for FLOPs Target...: a ratios file from a
 * results file, as `prunelens ratios` writes it, ready for Prune Model and Save.
 */
import type { Ctx } from '../ctx';
import { parseFlopsTarget, parseJsonFileName, parseLossThreshold } from '../validate';
import { askValue, pickResultsFile, relativeToRoot, resolveTyped } from './pick';

function defaultOutput(file: string): string {
  return relativeToRoot(file.replace(/(\.json)?$/, '.ratios.json'));
}

async function computeRatios(ctx: Ctx, arg: unknown, byFlops: boolean): Promise<void> {
  const title = byFlops ? 'Compute Ratios for FLOPs Target' : 'Compute Ratios by Loss';
  const file = await pickResultsFile(ctx, { title, step: 1, steps: 3 }, arg);
  if (file === undefined) return;
  const value = byFlops
    ? await askValue({ title, step: 2, steps: 3 }, 'Share of FLOPs to remove, e.g. 0.5 or 50%', '0.5', parseFlopsTarget)
    : await askValue({ title, step: 2, steps: 3 }, 'Loss threshold: the largest loss a parameter may cost, e.g. 0.01 or 1%', String(ctx.config.lossThreshold), parseLossThreshold);
  if (value === undefined) return;
  const output = await askValue({ title, step: 3, steps: 3 }, 'Ratios file to write', defaultOutput(file), parseJsonFileName);
  if (output === undefined) return;
  await ctx.jobs.start({ kind: 'ratios', file, output: resolveTyped(output), rule: byFlops ? { targetFlops: value } : { loss: value } });
}

export const ratiosByLoss = (ctx: Ctx, arg?: unknown): Promise<void> => computeRatios(ctx, arg, false);
export const ratiosForFlops = (ctx: Ctx, arg?: unknown): Promise<void> => computeRatios(ctx, arg, true);
