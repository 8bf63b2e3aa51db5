// One esbuild configuration with a target per bundle. Dependencies of the CLI and the
// worker stay external: the native ONNX Runtime and sharp addons and the TF.js wasm binaries are
// loaded from node_modules at run time, and a user-installed tfjs-node(-gpu) is resolved
// dynamically. The extension bundles its language client (only `vscode` is provided by the
// editor), and the language server bundles everything but the engines and the native image
// decoder (sharp), which it never loads.
// The report webview is bundled for the browser.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The worker bundles TF.js's umbrella package `@tensorflow/tfjs` (glue that re-exports the
 * core, layers, converter, data and the backends) instead of loading it from node_modules,
 * because the umbrella requires packages PruneLens never runs: the WebGL backend (browsers
 * only, 1 MB), the graph-model converter and tf.data. They are replaced by stubs that give
 * the umbrella the version strings it reads; the packages it re-exports and PruneLens uses
 * (core, layers, the cpu and wasm backends) stay external, so a user-installed tfjs-node
 * shares them. (The language server never loads TF.js; the CLI is not in the .vsix and
 * loads TF.js as installed.)
 */
const STUBBED = { 'tfjs-backend-webgl': 'version_webgl', 'tfjs-converter': 'version_converter', 'tfjs-data': 'version_data' };
const tfjsUnusedStubbed = {
  name: 'tfjs-unused-stubbed',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: require.resolve('@tensorflow/tfjs') }));
    build.onResolve({ filter: /^@tensorflow\/tfjs-(backend-webgl|converter|data)$/ }, (args) => ({ path: args.path.slice('@tensorflow/'.length), namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({ contents: `exports.${STUBBED[args.path]} = 'not included';`, loader: 'js' }));
  },
};

/**
 * The worker bundles the protobuf runtime the ONNX reader and writer use (pure JavaScript,
 * tree-shaken to what they call) rather than shipping the package's whole CommonJS build in
 * the .vsix.
 */
const protobufBundled = {
  name: 'protobuf-bundled',
  setup(build) {
    build.onResolve({ filter: /^@bufbuild\/protobuf(\/.*)?$/ }, (args) => ({ path: require.resolve(args.path) }));
  },
};

/** @type {import('esbuild').BuildOptions[]} */
export const targets = [
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
    external: ['@tensorflow/*', 'onnxruntime-node', 'sharp'],
  },
  {
    entryPoints: { worker: 'src/core/jobs/workerMain.ts' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    plugins: [tfjsUnusedStubbed, protobufBundled],
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

/** Options every bundle shares; `production` minifies and drops source maps. */
export function commonOptions(production) {
  return { bundle: true, outdir: 'dist', sourcemap: !production, minify: production, logLevel: 'info' };
}

