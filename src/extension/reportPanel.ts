/**
 * "Show Sensitivity Report" for now: the `prunelens plot` picture (loss curves and the
 * parameter x ratio heatmap, drawn by the server from the results file) in a webview
 * panel. The interactive report replaces this panel later; this one runs no script, and
 * its content security policy allows nothing but the one inline image.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

export function showReportPanel(resultsFile: string, svg: string): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel('prunelens.report', `Sensitivity: ${path.basename(resultsFile)}`, vscode.ViewColumn.Beside, {
    enableScripts: false,
    localResourceRoots: [],
  });
  const image = `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
  panel.webview.html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;">`,
    '</head><body>',
    `<img src="${image}" alt="Sensitivity of ${path.basename(resultsFile).replace(/[<>&"]/g, '')}">`,
    '</body></html>',
  ].join('\n');
  return panel;
}
