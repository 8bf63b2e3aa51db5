/**
 * What the report exports and says about a cell: the CSV (one line per parameter and ratio,
 * quoted where it must be), the ratios file text, the file names, and the cell label and
 * tooltip. Also the page's HTML: strict CSP with a nonce, nothing remote, no data inside.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatRatiosFile, ratiosFileFor } from '../../src/shared/ratiosFile';
import { makeNonce, reportCsp, reportHtml } from '../../src/extension/reportPanelHtml';
import { cellLabel, cellTooltip } from '../../webview/cellText';
import { CSV_HEADER, csvExportText, exportFileName, ratiosExportText } from '../../webview/exports';
import { recompute } from '../../webview/recompute';
import { reportData } from '../../webview/reportData';
import { syntheticResults } from './webviewFixtures';

const results = syntheticResults({ groups: 6, ratios: 4 });

it('writes a CSV line per parameter and ratio, with each status, the exact loss and the chosen ratio', () => {
  const data = reportData(results);
  const computed = recompute(data, { mode: 'loss', loss: 0.02, flopsTarget: 0.5 });
  const lines = csvExportText(data, computed).trimEnd().split('\n');
  assert.equal(lines[0], CSV_HEADER.join(','));
  assert.equal(lines.length - 1, Object.keys(results.params).length * data.columns.length);
  const first = lines[1]?.split(',');
  const point = results.points['conv0_weights']?.['0.2'];
  assert.ok(point !== undefined && 'loss' in point);
  assert.deepEqual(first?.slice(0, 6), ['conv0_weights', 'conv0_weights', '16', '0.2', 'measured', String(point.loss)]);
  assert.equal(first?.at(-1), String(computed.file.ratios['conv0_weights']));
  assert.ok(lines.some((l) => l.startsWith('conv5_weights,') && l.includes(',unprunable,')));
  assert.ok(lines.some((l) => l.startsWith('conv4_dw_weights,conv4_weights,')), 'members of a coupled group get their own lines');
  const odd = reportData({ ...results, params: { 'a,"b"': 'conv0_weights' }, groups: { conv0_weights: { id: 'conv0_weights', params: ['a,"b"'], channels: 16, prunable: true } } });
  assert.ok(csvExportText(odd, recompute(odd, { mode: 'loss', loss: 0.02, flopsTarget: 0.5 })).includes('\n"a,""b""",conv0_weights,'));
});

it('exports the ratios file exactly as `prunelens ratios` writes it, under names beside the results', () => {
  const computed = recompute(reportData(results), { mode: 'flops', loss: 0, flopsTarget: 0.25 }, 'sens.json');
  assert.equal(ratiosExportText(computed), formatRatiosFile(ratiosFileFor(results, { targetFlops: 0.25 }, 'sens.json')));
  assert.ok(ratiosExportText(computed).endsWith('}\n'));
  assert.equal(exportFileName('sens.json', 'ratios'), 'sens.ratios.json');
  assert.equal(exportFileName('run.JSON', 'csv'), 'run.csv');
  assert.equal(exportFileName('sens.json', 'svg'), 'sens.svg');
});

it('labels a cell with its loss and explains it in the tooltip: value, metric, channels and timing', () => {
  const data = reportData(results);
  const row = data.rows[0];
  const column = data.columns[1];
  assert.ok(row !== undefined && column !== undefined);
  const point = { loss: 0.012345, metric: 0.8889, channelsPruned: 6, seconds: 1.2345, finishedAt: '2025-01-01T00:00:01.000Z' };
  assert.equal(cellLabel(point), '1.23%');
  assert.equal(cellLabel({ ...point, loss: -0.0002 }), '-0.02%');
  assert.equal(cellLabel(undefined), '');
  assert.equal(cellLabel({ skipped: 'early-stop', reason: 'r', finishedAt: 't' }), 'skip');
  const tip = cellTooltip(row, column, point, results.metadata);
  for (const part of ['conv0_weights at ratio 0.40', 'loss 1.23%', 'top1 88.89% against baseline 90.00%', '6 of 16 channels pruned', '1.23 s', '2025-01-01T00:00:01.000Z']) {
    assert.ok(tip.includes(part), `${JSON.stringify(tip)} lacks ${part}`);
  }
  const coupled = data.rows[4];
  assert.ok(coupled !== undefined);
  assert.ok(cellTooltip(coupled, column, undefined, results.metadata).startsWith('conv4_weights (+1 coupled) at ratio 0.40\nnot measured yet'));
  const unprunable = data.rows[5];
  assert.ok(unprunable !== undefined && cellTooltip(unprunable, column, undefined, results.metadata).includes('not prunable: conv5 feeds the model output'));
});

it('builds a page that runs only its own nonce-tagged script and loads nothing remote', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[0-9a-f]{32}$/);
  assert.notEqual(makeNonce(), nonce);
  const html = reportHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/report.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/report.css',
    nonce,
    title: '<evil>.json',
  });
  const csp = reportCsp('https://file+.vscode-resource.vscode-cdn.net', nonce);
  assert.ok(html.includes(`content="${csp}"`));
  assert.match(csp, /^default-src 'none'; script-src 'nonce-[0-9a-f]{32}'; style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net;/);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  assert.equal(html.match(/<script /g)?.length, 1);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/report.js">`));
  assert.ok(html.includes('<title>Sensitivity: &lt;evil&gt;.json</title>'));
  assert.ok(!html.includes('<evil>'));
  assert.ok(!/(src|href)="(?!https:\/\/file\+\.vscode-resource)/.test(html), 'every resource is the extension\'s own');
});
