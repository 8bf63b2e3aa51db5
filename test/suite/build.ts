/**
 * Bundles the in-host tests to out/test/suite/: index.js (the runner) and one file per
 * *.test.ts, each with its imports inlined except `vscode` (the extension host provides
 * it) and `mocha` (one copy shared by the runner and the tests, from node_modules).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');

export async function buildSuite(outDir = path.join(ROOT, 'out', 'test', 'suite')): Promise<string> {
  const entries = fs.readdirSync(__dirname).filter((f) => f === 'index.ts' || f.endsWith('.test.ts'));
  await esbuild.build({
    entryPoints: entries.map((f) => path.join(__dirname, f)),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return path.join(outDir, 'index.js');
}

if (require.main === module) void buildSuite().then((index) => console.log(index));
