/**
 * The report webview's HTML: a fixed shell that loads the bundled script and stylesheet
 * (dist/webview/) under a strict content security policy. Scripts run only with this
 * page's nonce, styles and images come only from the extension's own files, and nothing
 * remote can load. No data is pasted into the page: the results arrive by postMessage
 * (src/shared/webviewMessages.ts). No `vscode` import, so it is unit-tested in Node.
 */
import { randomBytes } from 'node:crypto';

export interface ReportHtmlParts {
  /** `webview.cspSource`: the origin the webview serves local resources from. */
  readonly cspSource: string;
  /** `webview.asWebviewUri` of dist/webview/report.js and report.css. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce: string;
  /** The results file's name, for the document title. */
  readonly title: string;
}

/** A fresh nonce for one page load: 128 random bits, hex so it never needs escaping. */
export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Everything denied but the page's own script (by nonce), stylesheets and images from the
 * extension's files, and fonts from them too. @vscode-elements styles its components with
 * constructed stylesheets and CSSOM properties, which need no 'unsafe-inline'.
 */
export function reportCsp(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource} data:`, `font-src ${cspSource}`].join('; ');
}

/** Text safe in an element or a double-quoted attribute (the CSP's single quotes stay readable). */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function reportHtml(parts: ReportHtmlParts): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportCsp(parts.cspSource, parts.nonce))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    `<link rel="stylesheet" href="${escapeHtml(parts.styleUri)}">`,
    `<title>Sensitivity: ${escapeHtml(parts.title)}</title>`,
    '</head>',
    '<body>',
    `<script nonce="${parts.nonce}" src="${escapeHtml(parts.scriptUri)}"></script>`,
    '</body>',
    '</html>',
  ].join('\n');
}
