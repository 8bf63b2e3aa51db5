/**
 * The Sensitivity Report in its webview, at the default window size: the heatmap's cells
 * hold the measured losses and nothing of the report is cut off; moving the budget slider
 * changes the ratios chosen for the groups; the typed budget is applied on Enter only,
 * refused with a message when out of range, kept over a reload of the page; leaving an
 * unreachable FLOPs target brings the budget back; and Prune and Save says it runs, then
 * that it finished, writing a pruned model with fewer MACs than the original, as many
 * fewer as the report announced. Elements are found by the classes and labels the
 * report's own code gives them (webview/heatmap.ts, thresholdControl.ts, layerTree.ts,
 * curves.ts).
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
  /** The last group's id, selected for the picture. */
  readonly lastGroup: string;
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
/** MACs before and after in the shared compact format ("10.9M → 10.3M", or "->" in job summaries). */
function summaryMacs(summary: string): [number, number] {
  const m = /MACs ([\d.]+)(k|M|G)? (?:→|->) ([\d.]+)(k|M|G)?/.exec(summary);
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

/** Nothing of the report is cut off: every ratio column, tree ratio, legend entry and curve label lies inside its pane. */
async function nothingClipped(view: FrameLocator, opts: ReportOptions): Promise<void> {
  const inside = async (what: string, inner: { x: number; y: number; width: number; height: number } | null, outer: { x: number; y: number; width: number; height: number } | null): Promise<void> => {
    assert.ok(inner !== null && outer !== null, `${what} is showing`);
    assert.ok(inner.x >= outer.x - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5, `${what} (${inner.x.toFixed(0)}..${(inner.x + inner.width).toFixed(0)}) lies inside ${outer.x.toFixed(0)}..${(outer.x + outer.width).toFixed(0)}`);
  };
  const scroller = view.locator('.heatmap-scroll');
  const heads = view.locator('svg.heatmap text.col-head');
  assert.equal(await heads.count(), opts.ratios);
  for (let i = 0; i < opts.ratios; i++) await inside(`ratio column ${i + 1}`, await heads.nth(i).boundingBox(), await scroller.boundingBox());
  const tree = view.locator('.tree-pane');
  const ratios = view.locator('vscode-tree > vscode-tree-item > span[slot="decoration"]');
  assert.equal(await ratios.count(), opts.groups);
  for (let i = 0; i < opts.groups; i++) await inside(`the tree's ratio ${i + 1}`, await ratios.nth(i).boundingBox(), await tree.boundingBox());
  const legend = view.locator('.heat-legend');
  for (const key of await legend.locator('.key').all()) await inside(`legend "${await key.innerText()}"`, await key.boundingBox(), await legend.boundingBox());
  const curves = view.locator('svg.curves');
  assert.equal(await view.locator('.curve-legend .key').count(), opts.groups, 'the curves have a legend entry per group');
  await inside('the selected curve\'s label', await view.locator('svg.curves .chosen-label').boundingBox(), await curves.boundingBox());
  for (const tick of await curves.locator('text.tick').all()) await inside(`tick ${await tick.textContent()}`, await tick.boundingBox(), await curves.boundingBox());
}

/** The typed budget: nothing applied while typing, 150 refused with a message, 7.46 applied on Enter and kept over a reload. */
async function typedBudget(wb: Workbench, view: FrameLocator): Promise<void> {
  const field = view.locator('vscode-textfield.threshold-field input');
  const summary = view.locator('.summary');
  const message = view.locator('.field-message');
  const before = (await summary.textContent()) ?? '';
  await field.fill('150');
  await message.filter({ hasText: '150% is outside' }).waitFor();
  assert.equal(await summary.textContent(), before, 'typing changes nothing');
  await field.press('Enter');
  await message.filter({ hasText: /150% is outside\. The loss budget stays \d+\.\d\d%/ }).waitFor();
  assert.equal(await summary.textContent(), before, 'an out-of-range budget is not applied');
  await field.fill('7.46');
  await message.filter({ hasText: 'Enter applies 7.46%' }).waitFor();
  await field.press('Enter');
  await summary.filter({ hasText: 'loss budget 7.46%' }).waitFor();
  await wb.runCommand('Developer: Reload Webviews');
  const reloaded = wb.webview();
  await reloaded.locator('.summary', { hasText: 'loss budget 7.46%' }).waitFor();
  assert.equal(await reloaded.locator('vscode-textfield.threshold-field input').inputValue(), '7.46', 'the typed budget survives a reload');
}

/** A FLOPs target the measurements cannot reach, then Loss budget again: the budget typed before comes back. */
async function unreachableFlopsAndBack(view: FrameLocator): Promise<void> {
  await view.locator('vscode-radio[value="flops"]').click();
  const field = view.locator('vscode-textfield.threshold-field input');
  await field.fill('95');
  await field.press('Enter');
  await view.locator('.summary .warning', { hasText: 'cannot remove 95.00% of the FLOPs' }).waitFor();
  await view.locator('vscode-radio[value="loss"]').click();
  await view.locator('.summary', { hasText: 'loss budget 7.46%' }).waitFor();
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

/** Measure Together: the ratios on screen applied at once, measured in a job, shown beside the per-layer budget. */
async function measureTogether(view: FrameLocator): Promise<void> {
  await view.locator('vscode-button', { hasText: 'Measure Together' }).click();
  const together = view.locator('.together', { hasText: /^Together: top1 \d+\.\d+% \(unpruned \d+\.\d+%\), loss -?\d+\.\d+%, measured at a per-layer budget of \d+\.\d+%$/ });
  await together.waitFor({ timeout: 120_000 });
}

/** Prune and Save, into the folder it suggests; the job's MACs must fall as the report announced. */
async function pruneAndSave(wb: Workbench, view: FrameLocator, opts: ReportOptions): Promise<void> {
  const summaryText = await view.locator('.summary').innerText();
  const [announcedBefore, announcedAfter] = summaryMacs(summaryText);
  const announcedGroups = Number(/(\d+) of \d+ groups pruned/.exec(summaryText)?.[1]);
  await view.locator('vscode-button', { hasText: 'Prune and Save' }).click();
  await wb.prompt('Prune and Save');
  const output = await wb.inputValue();
  await wb.acceptLast();
  await view.locator('.status', { hasText: /Prune and Save: (running|finished)/ }).waitFor();
  await view.locator('.status', { hasText: /^Prune and Save: finished: pruned \d+ of \d+ groups/ }).waitFor();
  const done = await wb.notification(/pruned \d+ of \d+ groups: MACs \S+ -> \S+/);
  const doneText = await done.innerText();
  const [before, after] = summaryMacs(doneText);
  assert.ok(after < before, `the pruned model has fewer MACs: ${before} -> ${after}`);
  // Both are rounded to three digits.
  assert.ok(Math.abs(before - announcedBefore) / before < 0.01 && Math.abs(after - announcedAfter) / after < 0.01, `the report announced ${announcedBefore} -> ${announcedAfter}, the job did ${before} -> ${after}`);
  // The prune measured the pruned model on the scan's data: what the pruning costs, in the message.
  assert.match(doneText, /top1 \d+\.\d+% \(unpruned \d+\.\d+%, loss -?\d+\.\d+%\)/);
  assert.ok(fs.existsSync(path.join(opts.folder, output, 'model.json')), `${output}/model.json was written`);
  // The report counts the groups that lose a channel, as the plan the job wrote does.
  const plan = JSON.parse(fs.readFileSync(path.join(opts.folder, output, 'pruning-plan.json'), 'utf8')) as { groups: { pruned: number[] }[] };
  assert.equal(plan.groups.filter((g) => g.pruned.length > 0).length, announcedGroups, 'the report announced as many pruned groups as the plan has');
  // The message offers the report, and Open model.json shows the pruned model in the editor.
  await done.locator('.monaco-button', { hasText: 'Show Report' }).waitFor();
  await done.locator('.monaco-button', { hasText: 'Open model.json' }).click();
  await wb.page.locator('.breadcrumbs-control .monaco-breadcrumb-item', { hasText: output }).waitFor();
  assert.match(await wb.outputText(': finished: pruned'), /Prune.*: started/);
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
  opts.step('the report: the typed budget, a FLOPs target and back');
  await typedBudget(wb, view);
  const page = wb.webview();
  await unreachableFlopsAndBack(page);
  // The last group selected: its curve on top, with the label of its chosen ratio.
  await page.locator(`svg.heatmap .heat-row[data-group="${opts.lastGroup}"]`).click();
  await page.locator('svg.curves .chosen-label').waitFor();
  opts.step('the report: measure the combined pruning');
  await measureTogether(page);
  await nothingClipped(page, opts);
  await opts.shot('report');
  opts.step('the report: Prune and Save');
  await pruneAndSave(wb, page, opts);
  await opts.shot('pruned');
}
