/**
 * `npm run test:e2e` (after test/e2e/setup.sh): the extension tested as a user gets it.
 * Packages the .vsix, installs it into code-server, opens two workspaces holding a small
 * trained MobileNetV1 and, in headless Chromium, runs
 *  1. the mocha suite of test/suite inside the extension host, then
 *  2. the user's path through the workbench (test/e2e/scenario.ts), saving screenshots.
 * Every wait is on an event or on something the page shows. Set PRUNELENS_E2E_KEEP=1 to
 * keep the temp folder (workspaces, code-server's logs), PRUNELENS_E2E_SCREENSHOTS to save
 * the screenshots elsewhere than test/e2e/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { describePackage, externalRequires, packageVsix } from '../../scripts/package';
import { buildSuite } from '../suite/build';
import { launchBrowser } from './browser';
import { installExtension, makeDirs, startCodeServer, type CodeServer } from './codeServer';
import { runInHostTests } from './inHost';
import { runScenario } from './scenario';
import { writeImageFolder, writeTrainedModel } from './workspace';

const ROOT = path.join(__dirname, '..', '..');
const EXTENSION_ID = 'prunelens.prunelens';
const started = Date.now();

function step(what: string): void {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
}

/**
 * The packaged engines load from the installed extension alone: every package the worker
 * bundle requires (TF.js's, ONNX Runtime), the TF.js wasm backend with its binaries, and
 * the built-in digits.
 */
function checkPackagedEngines(extensionPath: string): void {
  const packages = externalRequires(fs.readFileSync(path.join(extensionPath, 'dist', 'worker.js'), 'utf8'));
  for (const needed of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node']) {
    if (!packages.includes(needed)) throw new Error(`dist/worker.js does not load ${needed}: ${packages.join(', ')}`);
  }
  const script = [
    `for (const p of ${JSON.stringify(packages)}) require(p);`,
    "const tf = require('@tensorflow/tfjs-core');",
    "require.resolve('mnist/src/digits/0.json');",
    "tf.setBackend('wasm').then((ok) => { if (!ok || typeof require('onnxruntime-node').InferenceSession.create !== 'function') process.exit(1); });",
  ].join('\n');
  execFileSync(process.execPath, ['-e', script], { cwd: extensionPath, stdio: 'inherit' });
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-e2e-'));
  const screenshots = path.resolve(process.env['PRUNELENS_E2E_SCREENSHOTS'] ?? path.join(ROOT, 'test', 'e2e', 'screenshots'));
  fs.mkdirSync(screenshots, { recursive: true });
  for (const f of fs.readdirSync(screenshots).filter((n) => n.endsWith('.png'))) fs.rmSync(path.join(screenshots, f));
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    step('bundling the in-host tests');
    const testsIndex = await buildSuite();
    step('packaging the extension');
    const packaged = packageVsix({ out: path.join(tmp, 'prunelens.vsix') });
    const vsix = packaged.file;
    step(`packaged ${describePackage(packaged)}; training the test model`);
    const uiFolder = path.join(tmp, 'workspace');
    const hostFolder = path.join(tmp, 'host-workspace');
    await writeTrainedModel(uiFolder);
    fs.cpSync(path.join(uiFolder, 'model'), path.join(hostFolder, 'model'), { recursive: true });
    await writeImageFolder(hostFolder);
    // An ONNX model as torch.onnx writes one (the committed fixture), for the ONNX jobs.
    fs.mkdirSync(path.join(hostFolder, 'onnx'));
    fs.copyFileSync(path.resolve(__dirname, '..', 'fixtures', 'onnx', 'mobilenetv2_mnist.onnx'), path.join(hostFolder, 'onnx', 'model.onnx'));
    step('installing the .vsix into code-server');
    const dirs = makeDirs(path.join(tmp, 'code-server'));
    const extensionPath = installExtension(dirs, vsix, EXTENSION_ID);
    checkPackagedEngines(extensionPath);
    step('starting code-server and Chromium');
    server = await startCodeServer(dirs, uiFolder);
    browser = await launchBrowser();
    step('running the in-host tests');
    const inHost = await runInHostTests(browser, server, { folder: hostFolder, extensionPath, testsPath: testsIndex.replace(/\.js$/, '') });
    for (const line of inHost.output) console.log(`  ${line}`);
    if (inHost.exitCode !== 0) throw new Error(`the in-host tests failed (exit code ${inHost.exitCode})`);
    step('running the workbench scenario');
    await runScenario(browser, server, { folder: uiFolder, screenshots, step });
    step(`passed; screenshots in ${path.relative(process.cwd(), screenshots) || '.'}`);
  } catch (err) {
    if (server) console.error(`code-server log (end):\n${server.log.join('').slice(-4000)}`);
    throw err;
  } finally {
    await browser?.close();
    await server?.stop();
    if (process.env['PRUNELENS_E2E_KEEP']) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
