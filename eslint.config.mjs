import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The ONNX schema's TypeScript is generated (scripts/onnx-schema/generate.sh).
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'src/core/onnx/schema/onnx_pb.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }] }],
    },
  },
  {
    // The extension may import vscode, but nothing of the core or the server: the client
    // must stay light and start fast, and talks to the server only through src/shared.
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/core/**', '**/server/**', '@tensorflow/*', 'onnxruntime-node'], message: 'src/extension imports vscode and src/shared only.' }] },
      ],
    },
  },
  {
    // The language server stays light (docs/architecture.md): it reads results files, shards,
    // plots and model facts, and never loads TF.js or ONNX Runtime; only the worker processes
    // it forks do (their entry and the jobs they run are in src/core/jobs). So it may import
    // just these "light" modules of the core; test/unit/serverBundle.test.ts checks the built
    // bundle as well.
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }],
          patterns: [
            {
              regex: String.raw`(^|/)core/(?!util/|version$|sensitivity/(resultsFile|resultsCheck|compatibility|merge|shards|liveResults|generations|plot\w*|svg)$|jobs/(workerProcess|workerRun|workerProtocol|workerLauncher|shardedScan|locking|results)$)`,
              message: 'The language server imports only the light core (results, shards, plots, worker processes); TF.js and ONNX Runtime run in workers.',
            },
            { group: ['@tensorflow/*', 'onnxruntime-node'], message: 'The language server never loads TF.js or ONNX Runtime; a worker does.' },
          ],
        },
      ],
    },
  },
  {
    // The in-host tests run inside the extension host and drive the extension through the
    // vscode API, as a user's editor does.
    files: ['test/suite/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The report webview runs in the browser: it imports src/shared and @vscode-elements,
    // and reaches the server only through the extension's messages.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview talks to the extension by postMessage only.' }],
          patterns: [
            { group: ['**/core/**', '**/server/**', '**/extension/**', '**/cli/**'], message: 'webview/ imports src/shared only.' },
            { group: ['**/shared/protocol'], message: 'The LSP protocol pulls the JSON-RPC library into the browser; use src/shared/webviewMessages.' },
            { group: ['node:*', '@tensorflow/*', 'onnxruntime-node', 'vscode-languageserver*', 'vscode-jsonrpc'], message: 'webview/ runs in the browser.' },
          ],
        },
      ],
    },
  },
);
