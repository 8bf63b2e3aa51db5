/**
 * A quick scan started from Analyze Sensitivity (quick, at the loss budget) on the groups
 * the scenario scanned exactly: the explorer lists its points as estimates (≈) and the
 * report's heatmap marks them the same way (one decimal, so that they fit the narrowest
 * cell), with the interval in the cell's tooltip and the mark in the legend.
 */
import * as assert from 'node:assert/strict';
import { analyzeModelAndData, analyzeRest } from './analyzeSteps';
import type { Workbench } from './workbench';

const QUICK = 'quick.json';

export interface QuickOptions {
  readonly groups: readonly string[];
  readonly ratios: readonly string[];
  readonly shot: (name: string) => Promise<unknown>;
}

async function startQuickScan(wb: Workbench, opts: QuickOptions): Promise<void> {
  await wb.closeAllEditors();
  await analyzeModelAndData(wb);
  await wb.answer('/conv[234]_1_sep_weights/');
  await wb.pickList('Parameters to analyse');
  for (const g of opts.groups) await wb.row(g).waitFor();
  await wb.accept();
  await analyzeRest(wb, { ratios: opts.ratios, measure: 'Quick, at a loss budget of 1.00%', file: QUICK });
}

export async function quickScanShowsEstimates(wb: Workbench, opts: QuickOptions): Promise<void> {
  await startQuickScan(wb, opts);
  await wb.showContainer('PruneLens');
  await wb.treeRow(QUICK).locator('.label-description', { hasText: /^mobilenetV1$/ }).waitFor({ timeout: 120_000 });
  // The other files' trees closed, so that the group's row is the quick file's.
  for (const other of ['cluster.json', 'sensitivities.json']) {
    const row = wb.treeRow(other);
    if ((await row.getAttribute('aria-expanded')) === 'true') await row.locator('.monaco-tl-twistie').click();
  }
  await wb.expand(QUICK);
  const last = opts.groups.at(-1) as string;
  await wb.expand(last);
  // The highest ratio of the last group loses far more than 1%: a few batches settle it.
  const top = `${Number(opts.ratios.at(-1)).toFixed(2)}: `;
  const label = await wb.treeRow(top).locator('.label-name').innerText();
  assert.match(label, /^0\.90: ≈-?\d+\.\d\d%$/, `the point ${label}`);
  await wb.clearNotifications();
  await wb.closeNotificationCenter();
  await opts.shot('quick-explorer');

  await wb.runCommand('PruneLens: Show Sensitivity Report');
  await wb.pickList('Sensitivity results file');
  await wb.pick(QUICK);
  const view = wb.webview();
  const cells = view.locator('svg.heatmap text.cell-value');
  await cells.nth(opts.groups.length * opts.ratios.length - 1).waitFor();
  const values = await cells.allTextContents();
  const estimates = values.filter((v) => /^≈-?\d+\.\d%$/.test(v));
  assert.ok(estimates.length > 0, `quick cells are marked as estimates: ${values.join(', ')}`);
  for (const v of values) assert.match(v, /^(≈-?\d+\.\d|-?\d+\.\d\d)%$/, `a heatmap cell reads "${v}"`);
  // Each cell is a rect holding its tooltip, then its text, in the same order.
  const first = values.findIndex((v) => v.startsWith('≈'));
  const tooltip = await view.locator('svg.heatmap rect[role="gridcell"]').nth(first).locator('title').textContent();
  assert.match(tooltip ?? '', /95% interval .* from \d[\d,]* of [\d,]+ images; an exact scan replaces it/, `the cell's tooltip: ${tooltip}`);
  await view.locator('.key', { hasText: '≈ quick estimate' }).waitFor();
  await opts.shot('quick-report');
}
