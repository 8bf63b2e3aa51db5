/**
 * The user's path through the workbench, in one window of the default size (1280 x 800,
 * the side bar open) on the workspace with the trained model: Merge with nothing to merge,
 * Analyze Sensitivity from the command palette (a regex that does not compile, the match
 * count, every parameter deselected, then two ratios on three channel groups), one
 * progress item in the status bar for the scan, the groups and points in the Sensitivity
 * Explorer, the output's record of the scan, the hover over a layer name in model.json
 * shown whole, Restart Server, a split scan's shard files appearing (test/e2e/shardSteps.ts),
 * then the report (test/e2e/reportSteps.ts), and a quick scan's estimates in the explorer
 * and the report (test/e2e/quickSteps.ts). Screenshots of
 * each stage are saved; a failure saves one of the page as it was.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { analyzeModelAndData, analyzeRest } from './analyzeSteps';
import { checkReport } from './reportSteps';
import { quickScanShowsEstimates } from './quickSteps';
import { splitScanAppears } from './shardSteps';
import { Workbench } from './workbench';

export interface ScenarioOptions {
  readonly folder: string;
  readonly screenshots: string;
  readonly step: (what: string) => void;
}

const RESULTS = 'sensitivities.json';
/** The analysed channel groups; the last one's last point ends the scan. */
const GROUPS = ['conv2_1_sep_weights', 'conv3_1_sep_weights', 'conv4_1_sep_weights'];
/** The depthwise kernel coupled to the last group: listed inside it, not as a row of its own. */
const LAST_MEMBER = 'conv4_2_dw_weights';
/** Nine ratios, as a user measures them: the report's layout must show them all at the default size. */
const RATIOS = ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'];
const POINT = /^-?\d+\.\d\d%$/;

/** Merge with no results file in the workspace says so and offers Browse. */
async function mergeWithNothing(wb: Workbench): Promise<void> {
  await wb.runCommand('PruneLens: Merge Sensitivity Files...');
  const message = await wb.toast(/there are no sensitivity results files in this workspace/);
  await message.locator('.monaco-button', { hasText: 'Browse...' }).waitFor();
  await wb.clearNotifications();
}

async function analyze(wb: Workbench): Promise<void> {
  await analyzeModelAndData(wb);
  // The filter: a regex that does not compile is named as such; a good one shows its count.
  await wb.type('/conv[234/');
  await wb.promptMessage('not a valid regular expression');
  await wb.type('/conv[234]_1_sep_weights/');
  assert.match(await wb.promptMessage('conv kernels match'), /^3 of \d+ conv kernels match$/);
  await wb.accept();
  await wb.pickList('Parameters to analyse');
  for (const g of GROUPS) await wb.row(g).waitFor();
  // Every parameter deselected: a message says so and offers the list again.
  await wb.toggleAll();
  await wb.accept();
  const warning = await wb.toast(/no parameter was selected/);
  await warning.locator('.monaco-button', { hasText: 'Choose Again' }).click();
  // The list comes back as it was offered: every prunable parameter picked.
  await wb.pickList('Parameters to analyse');
  for (const g of GROUPS) await wb.row(g).waitFor();
  await wb.accept();
  await analyzeRest(wb, { ratios: RATIOS, measure: 'Exact', file: RESULTS });
}

/** Waits for the scan to end in the explorer and checks its rows: one per group, the last group's points and member. */
async function explorerShowsPoints(wb: Workbench): Promise<void> {
  await wb.showContainer('PruneLens');
  const file = wb.treeRow(RESULTS);
  // While the job runs the file's description carries its progress; then the model's name.
  await file.locator('.label-description', { hasText: /^mobilenetV1$/ }).waitFor({ timeout: 120_000 });
  await wb.page.locator('.sidebar .pane-body .message', { hasText: 'Ratios at a loss budget of 1.00%' }).waitFor();
  await wb.expand(RESULTS);
  for (const g of GROUPS) await wb.treeRow(g).locator('.label-description', { hasText: /^ratio \d\.\d\d$/ }).waitFor();
  assert.equal(await wb.treeRows(LAST_MEMBER).count(), 0, 'a coupled depthwise kernel has no row of its own');
  const last = GROUPS.at(-1) as string;
  await wb.expand(last);
  for (const r of RATIOS) {
    const key = Number(r).toFixed(2);
    const label = await wb.treeRow(`${key}: `).locator('.label-name').innerText();
    assert.match(label.slice(key.length + 2), POINT, `the point ${label}`);
  }
  await wb.treeRow(LAST_MEMBER).locator('.label-description', { hasText: 'coupled' }).waitFor();
}

/** The first line of model.json naming the layer, 1-based. */
function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes(text));
  assert.ok(at >= 0, `${text} is not in ${file}`);
  return at + 1;
}

/** The hover over a layer name, shown whole: the layer, the ratio at the budget, the losses and the group. */
async function hoverShowsSensitivity(wb: Workbench, folder: string): Promise<void> {
  await wb.openFile('model/model.json');
  await wb.goToLine(lineOf(path.join(folder, 'model', 'model.json'), '"name": "conv2_1_sep"'));
  const text = await wb.hoverToken('"conv2_1_sep"', 'Sensitivity');
  assert.match(text, /conv2_1_sep · Conv2D/);
  assert.match(text, new RegExp(`Sensitivity \\(${RESULTS.replace('.', '\\.')}`));
  assert.match(text, new RegExp(`ratio\\s+${RATIOS.map((r) => Number(r).toFixed(2).replace('.', '\\.')).join('\\s+')}`));
  assert.match(text, new RegExp(`loss(\\s+-?\\d+\\.\\d\\d%){${RATIOS.length}}`));
  assert.match(text, /Ratio at loss ≤ 1\.00%: \d\.\d\d/);
  assert.match(text, /Channel group conv2_1_sep_weights \(16 channels\), pruned with conv2_2_dw_weights/);
  await wb.hoverShownWhole('Channel group');
}

/** Restart Server says so when the server is back, and the status item shows it ready again. */
async function restartServer(wb: Workbench): Promise<void> {
  await wb.runCommand('PruneLens: Restart Server');
  await wb.notification(/PruneLens: the server restarted/);
  await wb.statusItem('prunelens.prunelens.prunelens.status').locator('.codicon-pulse').waitFor();
  await wb.clearNotifications();
  await wb.closeNotificationCenter();
}

export async function runScenario(browser: Browser, server: CodeServer, opts: ScenarioOptions): Promise<void> {
  // The default window size the pictures and the layout checks are made at.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The longest a single step may take on a slow machine (the scan has its own).
  page.setDefaultTimeout(60_000);
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(opts.screenshots, `${name}.png`) });
  try {
    const wb = await Workbench.open(page, server.url, opts.folder);
    opts.step('merge with no results files');
    await mergeWithNothing(wb);
    opts.step('analyze sensitivity from the command palette');
    const jobItems = await wb.countStatusItems(/Sensitivity: /);
    await analyze(wb);
    opts.step('waiting for the points in the Sensitivity Explorer');
    await explorerShowsPoints(wb);
    assert.equal(await jobItems(), 1, 'one progress item in the status bar for the scan');
    await wb.clearNotifications();
    await wb.closeNotificationCenter();
    await shot('explorer');
    assert.match(await wb.outputText('Sensitivity: sensitivities.json: finished'), /Sensitivity: sensitivities\.json: started/);
    opts.step('hover over a layer name in model.json');
    await hoverShowsSensitivity(wb, opts.folder);
    await shot('hover');
    opts.step('restart the server');
    await restartServer(wb);
    opts.step('a split scan appears shard by shard in the explorer');
    await splitScanAppears(wb, opts.folder, RESULTS, GROUPS);
    await shot('shards');
    await checkReport(wb, { folder: opts.folder, results: RESULTS, groups: GROUPS.length, ratios: RATIOS.length, lastGroup: GROUPS.at(-1) as string, shot, step: opts.step });
    opts.step('a quick scan: estimates in the explorer and the report');
    await quickScanShowsEstimates(wb, { groups: GROUPS, ratios: RATIOS, shot });
  } catch (err) {
    await shot('failure').catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
}
