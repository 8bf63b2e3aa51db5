/**
 * The Sensitivity Report in its webview: the heatmap's cells hold the measured losses,
 * moving the threshold slider changes the ratios chosen for the groups, and Prune and
 * Save writes a pruned model with fewer MACs than the original, as many fewer as the
 * report announced. Elements are found by the classes and labels the report's own code
 * gives them (webview/heatmap.ts, thresholdControl.ts, layerTree.ts).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { Workbench } from './workbench';

export interface ReportOptions {
  readonly folder: string;
  readonly results: string;
  /** How many channel groups and ratios were measured: the heatmap's rows and columns. */
  readonly groups: number;
  readonly ratios: number;
  readonly shot: (name: string) => Promise<unknown>;
  readonly step: (what: string) => void;
}

/** Where the slider is moved to, out of 1000: on its quadratic scale, about a third of the largest loss. */
const SLIDER_POSITION = '600';

/** The ratio each group's row in the layer tree says the budget picks (at the row's right edge). */
async function chosenRatios(view: FrameLocator): Promise<number[]> {
  const decorations = await view.locator('vscode-tree-item > span[slot="decoration"]').allTextContents();
  return decorations.flatMap((d) => {
    const m = /\bratio (\d+(?:\.\d+)?)/.exec(d);
    return m ? [Number(m[1])] : [];
  });
}

/** "MACs 752k → 655k (−12.9%)" in the report's summary, as [before, after] in MACs. */
function summaryMacs(summary: string): [number, number] {
  const m = /MACs ([\d.]+)(k|M|G)? → ([\d.]+)(k|M|G)?/.exec(summary);
  assert.ok(m, `no MACs in the summary: ${summary}`);
  const scale = (unit: string | undefined): number => ({ k: 1e3, M: 1e6, G: 1e9 })[unit ?? ''] ?? 1;
  return [Number(m[1]) * scale(m[2]), Number(m[3]) * scale(m[4])];
}

async function heatmapHoldsValues(view: FrameLocator, opts: ReportOptions): Promise<void> {
  const cells = view.locator('svg.heatmap text.cell-value');
  await cells.nth(opts.groups * opts.ratios - 1).waitFor();
  const values = await cells.allTextContents();
  assert.equal(values.length, opts.groups * opts.ratios, `heatmap cells: ${values.join(', ')}`);
  for (const v of values) assert.match(v, /^-?\d+(\.\d+)?%$/, `a heatmap cell reads "${v}"`);
}

async function thresholdChangesRatios(view: FrameLocator): Promise<void> {
  const summary = view.locator('.summary');
  await summary.filter({ hasText: 'MACs' }).waitFor();
  const before = await chosenRatios(view);
  // Text content, which is what hasNotText compares (innerText would add the layout's line breaks).
  const oldSummary = (await summary.textContent()) ?? '';
  await view.locator('input.threshold-slider').fill(SLIDER_POSITION);
  await summary.filter({ hasNotText: oldSummary }).waitFor();
  const after = await chosenRatios(view);
  assert.equal(after.length, before.length, 'every group still has a chosen ratio');
  assert.ok(after.every((r, i) => r >= (before[i] as number)), `a larger loss budget never picks smaller ratios: ${before} -> ${after}`);
  assert.ok(after.some((r, i) => r > (before[i] as number)), `the chosen ratios changed: ${before} -> ${after}`);
}

/** Prune and Save, into the folder it suggests; the job's MACs must fall as the report announced. */
async function pruneAndSave(wb: Workbench, view: FrameLocator, opts: ReportOptions): Promise<void> {
  const [announcedBefore, announcedAfter] = summaryMacs(await view.locator('.summary').innerText());
  await view.locator('vscode-button', { hasText: 'Prune and Save' }).click();
  await wb.prompt('Prune and Save');
  const output = await wb.inputValue();
  await wb.acceptLast();
  await view.locator('.status', { hasText: 'started' }).waitFor();
  const done = await wb.notification(/pruned \d+ groups: MACs \d+ -> \d+/);
  const m = /MACs (\d+) -> (\d+)/.exec(await done.innerText()) as RegExpExecArray;
  const [before, after] = [Number(m[1]), Number(m[2])];
  assert.ok(after < before, `the pruned model has fewer MACs: ${before} -> ${after}`);
  // The report's figures are rounded to three digits.
  assert.ok(Math.abs(before - announcedBefore) / before < 0.01 && Math.abs(after - announcedAfter) / after < 0.01, `the report announced ${announcedBefore} -> ${announcedAfter}, the job did ${before} -> ${after}`);
  assert.ok(fs.existsSync(path.join(opts.folder, output, 'model.json')), `${output}/model.json was written`);
  // The message's Open shows the pruned model.json in the editor.
  await done.locator('.monaco-button', { hasText: 'Open' }).click();
  await wb.page.locator('.breadcrumbs-control .monaco-breadcrumb-item', { hasText: output }).waitFor();
}

export async function checkReport(wb: Workbench, opts: ReportOptions): Promise<void> {
  opts.step('the report: heatmap, threshold, Prune and Save');
  await wb.closeAllEditors();
  await wb.runCommand('PruneLens: Show Sensitivity Report');
  await wb.pickList('Sensitivity results file');
  await wb.pick(opts.results);
  const view = wb.webview();
  await heatmapHoldsValues(view, opts);
  await thresholdChangesRatios(view);
  await opts.shot('report');
  await pruneAndSave(wb, view, opts);
  await opts.shot('pruned');
}
