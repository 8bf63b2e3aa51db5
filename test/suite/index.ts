/**
 * The in-host test runner: VS Code loads this module in the extension host (the
 * extensionTestsPath of the end-to-end suite) and calls `run`; a rejection is a failed
 * run. Each *.test.ts here is bundled on its own next to this file (test/suite/build.ts)
 * and added in a fixed order, because later tests rely on the extension the first one
 * activated. Mocha itself is loaded from the repository's node_modules.
 *
 * The report goes to the console one line per test, each starting with REPORT_PREFIX: the
 * extension host's console reaches the browser page mixed with the workbench's own logs,
 * and the end-to-end driver prints only these lines.
 */
import * as path from 'node:path';
import Mocha from 'mocha';
import { REPORT_PREFIX } from './report';

const FILES = ['activation', 'commands', 'languageClient', 'jobRoundTrip', 'imageFolder', 'onnxModel'];

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: Mocha.reporters.Base, timeout: 120_000 });
  for (const name of FILES) mocha.addFile(path.join(__dirname, `${name}.test.js`));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} in-host test(s) failed`)) : resolve()));
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_RUN_END } = Mocha.Runner.constants;
    runner.on(EVENT_TEST_PASS, (test) => console.log(`${REPORT_PREFIX} ✔ ${test.fullTitle()} (${test.duration ?? 0} ms)`));
    runner.on(EVENT_TEST_FAIL, (test, err: Error) => console.log(`${REPORT_PREFIX} ✘ ${test.fullTitle()}: ${err.stack ?? err.message}`));
    runner.on(EVENT_RUN_END, () => console.log(`${REPORT_PREFIX} ${runner.stats?.passes ?? 0} passing, ${runner.stats?.failures ?? 0} failing`));
  });
}
