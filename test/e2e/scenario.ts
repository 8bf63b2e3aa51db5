/**
 * The user's path through the workbench, in one window on the workspace with the trained
 * model: Analyze Sensitivity from the command palette (two ratios, three channel groups),
 * the points in the Sensitivity Explorer, the hover over a layer name in model.json, then
 * the report (test/e2e/reportSteps.ts). Screenshots of each stage are saved; a failure
 * saves one of the page as it was.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { checkReport } from './reportSteps';
import { Workbench } from './workbench';

export interface ScenarioOptions {
  readonly folder: string;
  readonly screenshots: string;
  readonly step: (what: string) => void;
}

const RESULTS = 'sensitivities.json';
/** The analysed channel groups; the last one's last point ends the scan. */
const GROUPS = ['conv2_1_sep_weights', 'conv3_1_sep_weights', 'conv4_1_sep_weights'];
const RATIOS = ['0.1', '0.5'];
const POINT = /^-?\d+\.\d\d%$/;

async function analyze(wb: Workbench): Promise<void> {
  await wb.runCommand('PruneLens: Analyze Sensitivity...');
  await wb.prompt('Analyze Sensitivity (1/7)');
  await wb.pick('model/model.json');
  await wb.prompt('(2/7)');
  await wb.pick('Built-in MNIST digits');
  await wb.prompt('(3/7)');
  await wb.answer('/conv[234]_1_sep_weights/');
  await wb.pickList('Parameters to analyse');
  for (const g of GROUPS) await wb.row(g).waitFor();
  await wb.accept();
  await wb.prompt('(4/7)');
  await wb.answer(RATIOS.join(', '));
  await wb.prompt('(5/7)');
  await wb.pick('l1_norm');
  await wb.prompt('(6/7)');
  await wb.accept();
  await wb.prompt('(7/7)');
  await wb.acceptLast(RESULTS);
}

/** Waits for the scan to end in the explorer and checks the last group's points. */
async function explorerShowsPoints(wb: Workbench): Promise<void> {
  await wb.showContainer('PruneLens');
  const file = wb.treeRow(RESULTS);
  // While the job runs the file's description carries its progress; then the model's name.
  await file.locator('.label-description', { hasText: /^mobilenetV1$/ }).waitFor({ timeout: 120_000 });
  await wb.expand(RESULTS);
  for (const g of GROUPS) await wb.treeRow(g).locator('.label-description', { hasText: /^ratio \d\.\d\d at ≤ 1\.00%$/ }).waitFor();
  const last = GROUPS.at(-1) as string;
  await wb.expand(last);
  for (const r of RATIOS) {
    const label = await wb.treeRow(`${r}: `).locator('.label-name').innerText();
    assert.match(label.slice(r.length + 2), POINT, `the point ${label}`);
  }
}

/** The first line of model.json naming the layer, 1-based. */
function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes(text));
  assert.ok(at >= 0, `${text} is not in ${file}`);
  return at + 1;
}

async function hoverShowsSensitivity(wb: Workbench, folder: string): Promise<void> {
  await wb.openFile('model/model.json');
  await wb.goToLine(lineOf(path.join(folder, 'model', 'model.json'), '"name": "conv2_1_sep"'));
  const text = await wb.hoverToken('"conv2_1_sep"', 'Sensitivity');
  assert.match(text, /conv2_1_sep · Conv2D/);
  assert.match(text, new RegExp(`Sensitivity \\(${RESULTS.replace('.', '\\.')}`));
  assert.match(text, /ratio\s+0\.1\s+0\.5/);
  assert.match(text, /loss\s+-?\d+\.\d\d%\s+-?\d+\.\d\d%/);
  assert.match(text, /Ratio at loss ≤ 1\.00%/);
}

export async function runScenario(browser: Browser, server: CodeServer, opts: ScenarioOptions): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // The longest a single step may take on a slow machine (the scan has its own).
  page.setDefaultTimeout(60_000);
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(opts.screenshots, `${name}.png`) });
  try {
    const wb = await Workbench.open(page, server.url, opts.folder);
    opts.step('analyze sensitivity from the command palette');
    await analyze(wb);
    opts.step('waiting for the points in the Sensitivity Explorer');
    await explorerShowsPoints(wb);
    await wb.clearNotifications();
    await wb.widenSideBar(140);
    await shot('explorer');
    opts.step('hover over a layer name in model.json');
    await hoverShowsSensitivity(wb, opts.folder);
    await shot('hover');
    await checkReport(wb, { folder: opts.folder, results: RESULTS, groups: GROUPS.length, ratios: RATIOS.length, shot, step: opts.step });
  } catch (err) {
    await shot('failure').catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
}
