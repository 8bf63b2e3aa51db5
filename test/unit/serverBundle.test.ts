/**
 * The language server's bundle never loads TF.js or ONNX Runtime (docs/architecture.md):
 * built exactly as `npm run build` builds dist/server.js, it must not require either, nor
 * contain any engine module of the core. The lint rule on src/server catches a direct import;
 * this catches one that arrives through a chain of light-looking modules.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');

async function serverBuild(): Promise<{ text: string; inputs: string[] }> {
  const config = (await import(pathToFileURL(path.join(ROOT, 'bundles.mjs')).href)) as {
    targets: esbuild.BuildOptions[];
    commonOptions(production: boolean): esbuild.BuildOptions;
  };
  const target = config.targets.find((t) => JSON.stringify(t.entryPoints).includes('src/server/server.ts'));
  assert.ok(target, 'bundles.mjs has a target for src/server/server.ts');
  const result = await esbuild.build({ ...config.commonOptions(true), ...target, absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent' });
  const text = result.outputFiles.find((f) => f.path.endsWith('server.js'))?.text ?? '';
  return { text, inputs: Object.keys(result.metafile.inputs) };
}

test('the built language server requires neither TF.js, ONNX Runtime nor sharp', async () => {
  const { text, inputs } = await serverBuild();
  assert.ok(text.length > 10_000, 'the server bundle was built');
  const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
  const engines = required.filter((r) => r.startsWith('@tensorflow/') || r.startsWith('onnxruntime') || r === 'sharp');
  assert.deepEqual(engines, [], `dist/server.js requires ${engines.join(', ')}`);
  const engineModules = inputs.filter((f) => /^src\/core\/(models|pruning|eval|fast|train|data|layers)\//.test(f) || /^src\/core\/backend/.test(f));
  assert.deepEqual(engineModules, [], 'engine modules of the core reached the server bundle');
});
