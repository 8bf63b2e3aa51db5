/**
 * Runs the mocha suite of test/suite inside the extension host of a code-server window.
 * code-server's command line refuses --extensionDevelopmentPath and --extensionTestsPath,
 * but its web workbench reads both from the `payload` query parameter; the test runner's
 * exit code comes back through the `codeAutomationExit` function the workbench calls on
 * its window. The page's console carries the runner's report.
 */
import type { Browser } from 'playwright-core';
import { REPORT_PREFIX } from '../suite/report';
import type { CodeServer } from './codeServer';

const RUN_TIMEOUT_MS = 5 * 60_000;

export interface InHostResult {
  readonly exitCode: number;
  readonly output: string[];
}

export async function runInHostTests(browser: Browser, server: CodeServer, opts: { folder: string; extensionPath: string; testsPath: string }): Promise<InHostResult> {
  const remote = (p: string): string => `vscode-remote://${server.authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(opts.extensionPath)],
    ['extensionTestsPath', remote(opts.testsPath)],
  ];
  const page = await browser.newPage();
  const output: string[] = [];
  // Only the runner's report: the console also carries the workbench's and the host's logs.
  page.on('console', (m) => {
    const text = m.text();
    const at = text.indexOf(REPORT_PREFIX);
    if (at >= 0) output.push(text.slice(at + REPORT_PREFIX.length).trim());
  });
  try {
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the in-host tests did not finish within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
      timer.unref();
      exit = (code) => {
        clearTimeout(timer);
        resolve(code);
      };
    });
    // Exposed before the workbench loads, as it looks for the function when the tests end.
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    const url = `${server.url}?folder=${encodeURIComponent(opts.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    return { exitCode: await exited, output };
  } finally {
    await page.close();
  }
}
