// One esbuild configuration with a target per bundle. Dependencies of the CLI and the
// worker stay external: the native ONNX Runtime addon and the TF.js wasm binaries are
// loaded from node_modules at run time, and a user-installed tfjs-node(-gpu) is resolved
// dynamically. The extension bundles its language client (only `vscode` is provided by the
// editor), and the language server bundles everything but the engines, which it never loads.
// The report webview is bundled for the browser.
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * The worker and the server bundle TF.js's umbrella package `@tensorflow/tfjs` (glue that
 * re-exports the core, layers, converter, data and the backends) instead of loading it from
 * node_modules, because the umbrella requires the WebGL backend, which only runs in a
 * browser and is 1 MB the .vsix would otherwise carry. The WebGL backend is replaced by a
 * stub here; the packages the umbrella re-exports stay external, so a user-installed
 * tfjs-node shares them. (The server never runs TF.js, but the core modules it shares with
 * the worker import it.)
 */
const tfjsWithoutWebgl = {
  name: 'tfjs-without-webgl',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: require.resolve('@tensorflow/tfjs') }));
    build.onResolve({ filter: /^@tensorflow\/tfjs-backend-webgl$/ }, () => ({ path: 'tfjs-backend-webgl', namespace: 'stub' }));
    // The umbrella reads the WebGL backend's version for `tf.version` and re-exports the rest.
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: "exports.version_webgl = 'not included';", loader: 'js' }));
  },
};

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions[]} */
const targets = [
  {
    entryPoints: { cli: 'src/cli/main.ts' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    entryPoints: { extension: 'src/extension/main.ts' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    entryPoints: { server: 'src/server/server.ts' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@tensorflow/*', 'onnxruntime-node'],
    plugins: [tfjsWithoutWebgl],
  },
  {
    entryPoints: { worker: 'src/server/worker.ts' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    plugins: [tfjsWithoutWebgl],
  },
  {
    // The report webview runs in the editor's browser: one script (with @vscode-elements and
    // src/shared bundled in) and the stylesheet it imports, in a folder of their own that is
    // the webview's only local resource root besides media/.
    entryPoints: { 'webview/report': 'webview/main.ts' },
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

const common = { bundle: true, outdir: 'dist', sourcemap: !production, minify: production, logLevel: 'info' };

if (watch) {
  for (const t of targets) {
    const ctx = await esbuild.context({ ...common, ...t });
    await ctx.watch();
  }
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
}
