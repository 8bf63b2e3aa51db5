/**
 * Analyze Sensitivity... (model, dataset, parameters, ratios, criterion, exact or quick,
 * workers, results file) and Extend Ratios... (more ratios for a results file; everything else comes from
 * the file). Both start a sensitivity job on the server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { DatasetOptions } from '../../shared/jobs';
import { ModelParamsRequest, ReadResultsRequest } from '../../shared/protocol';
import { CRITERIA, type Criterion } from '../../shared/vocabulary';
import type { Ctx } from '../ctx';
import { measureChoices } from '../measureChoice';
import { filterParams, newRatios, parseCount, parseJsonFileName, parseRatioList, type Parsed } from '../validate';
import { askValue, pickModel, pickOne, pickResultsFile, relativeToRoot, resolveTyped } from './pick';
import { pickDataset } from './pickData';

const TITLE = 'Analyze Sensitivity';
const STEPS = 8;

type Step = (n: number) => { title: string; step: number; steps: number };

async function pickParams(ctx: Ctx, model: string, step: Step): Promise<string[] | undefined> {
  const listed = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Reading the model...' }, () =>
    ctx.client?.sendRequest(ModelParamsRequest, { model }) ?? Promise.resolve(undefined),
  );
  if (listed === undefined) return undefined;
  const prompt = `Parameter filter: text the name contains, or /a regex/ (empty: every conv of ${listed.modelName})`;
  const found = await askValue(step(3), prompt, '_sep_weights', (text) => filterParams(listed.params, text));
  if (found === undefined) return undefined;
  const items = found.map((p) => ({
    label: p.name,
    description: `[${p.shape.join(', ')}], ${p.outChannels} channels`,
    ...(p.prunable ? {} : { detail: `not prunable: ${p.reason ?? 'no reason given'}` }),
    picked: p.prunable,
  }));
  // Deselecting every parameter leaves nothing to measure: say so, and offer the list again.
  for (;;) {
    const { title, steps } = step(3);
    const picked = await vscode.window.showQuickPick(items, { title: `${title} (3/${steps})`, placeHolder: 'Parameters to analyse', canPickMany: true, ignoreFocusOut: true });
    if (picked === undefined) return undefined;
    if (picked.length > 0) return picked.map((p) => p.label);
    const again = await vscode.window.showWarningMessage(`${title}: no parameter was selected, so there is nothing to measure.`, 'Choose Again');
    if (again !== 'Choose Again') return undefined;
  }
}

/** A results file name; an existing results file is extended, anything else is refused. */
export function checkResultsTarget(text: string): Parsed<string> {
  const parsed = parseJsonFileName(text);
  if (parsed.error !== undefined) return parsed;
  const file = resolveTyped(parsed.value);
  if (fs.existsSync(file) && !fs.readFileSync(file, 'utf8').slice(0, 300).includes('"prunelens-sensitivity"')) return { error: 'this file exists and is not a results file' };
  return { value: file };
}

/** What a scan measures, as the wizard's first five steps ask it (Analyze, and Run on a Cluster). */
export interface ScanChoices {
  readonly model: string;
  readonly dataset: string;
  readonly datasetOptions?: DatasetOptions;
  readonly params: string[];
  readonly ratios: number[];
  readonly criterion: Criterion;
}

export async function askScan(ctx: Ctx, step: Step, arg?: unknown): Promise<ScanChoices | undefined> {
  const model = await pickModel(step(1), { arg });
  if (model === undefined) return undefined;
  const data = await pickDataset(step(2), model, ctx.config.data);
  if (data === undefined) return undefined;
  const params = await pickParams(ctx, model, step);
  if (params === undefined) return undefined;
  const ratios = await askValue(step(4), 'Pruning ratios, e.g. 0.1, 0.2, 0.3 (or 10%, 20%)', ctx.config.ratios.join(', '), parseRatioList);
  if (ratios === undefined) return undefined;
  const criteria = [ctx.config.criterion, ...CRITERIA.filter((c) => c !== ctx.config.criterion)];
  const criterion = await pickOne(step(5), 'Which channels go first', criteria.map((c) => ({ label: c, value: c })));
  if (criterion === undefined) return undefined;
  return { model, ...data, params, ratios, criterion: criterion.value };
}

export async function analyzeSensitivity(ctx: Ctx, arg?: unknown): Promise<void> {
  const step: Step = (n) => ({ title: TITLE, step: n, steps: STEPS });
  const scan = await askScan(ctx, step, arg);
  if (scan === undefined) return;
  const measure = await pickOne(step(6), 'How to measure each point', measureChoices(ctx.config.lossThreshold));
  if (measure === undefined) return;
  const cores = os.availableParallelism();
  const workers = await askValue(step(7), `Worker processes (this machine has ${cores} cores)`, String(Math.min(ctx.config.workers, cores)), (t) => parseCount(t, 1, Math.max(cores, 1), 'the number of workers'));
  if (workers === undefined) return;
  const file = await askValue(step(8), 'Results file (an existing one is resumed and extended)', 'sensitivities.json', checkResultsTarget);
  if (file === undefined) return;
  await ctx.jobs.start({ kind: 'sensitivity', file, ...scan, ...(measure.quick ? { quick: measure.quick } : {}), workers });
}

export async function extendRatios(ctx: Ctx, arg?: unknown): Promise<void> {
  const file = await pickResultsFile(ctx, { title: 'Extend Ratios', step: 1, steps: 2 }, arg);
  if (file === undefined) return;
  const read = await ctx.client?.sendRequest(ReadResultsRequest, { uri: vscode.Uri.file(file).toString() });
  if (read?.results === undefined) {
    void vscode.window.showErrorMessage(`PruneLens: ${read?.error ?? 'cannot read the results file'}`);
    return;
  }
  const measured = read.results.metadata.ratios;
  const ratios = await askValue({ title: 'Extend Ratios', step: 2, steps: 2 }, `Ratios to add to ${relativeToRoot(file)} (measured: ${measured.join(', ')})`, '', (text) => {
    const parsed = parseRatioList(text);
    if (parsed.error !== undefined) return parsed;
    return newRatios(parsed.value, measured).length === 0 ? { error: 'every one of these ratios is measured already' } : parsed;
  });
  if (ratios === undefined) return;
  await ctx.jobs.start({ kind: 'sensitivity', file, ratios: newRatios(ratios, measured) });
}
