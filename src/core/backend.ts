/**
 * TF.js backend selection for building, training and fine-tuning. Preference order:
 * a native backend the user installed (tfjs-node-gpu, then tfjs-node), resolved at run time
 * from a configured folder, the workspace or the working directory (never a dependency of
 * ours: their install downloads libtensorflow); then wasm with the project's gradient
 * kernels; then the pure-JS cpu backend.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PruneLensError } from './util/errors';

export type { BackendPreference } from '../shared/vocabulary';
import type { BackendPreference } from '../shared/vocabulary';

export interface BackendOptions {
  readonly prefer?: BackendPreference;
  /** A folder holding (a node_modules with) @tensorflow/tfjs-node-gpu or tfjs-node, or the package folder itself. */
  readonly tfjsNodePath?: string;
  /** Extra folders to resolve a native package from (the workspace). */
  readonly searchPaths?: readonly string[];
}

export interface BackendChoice {
  /** The TF.js backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  readonly name: string;
  /** What was chosen and, when something was passed over, why. */
  readonly detail: string;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Loads a native package if one can be found. Its tfjs-core copy registers its backend in
 * the process-global TF.js engine, which our tfjs-core copy shares, so requiring it is
 * enough to make 'tensorflow' available to us.
 */
export function tryLoadNative(opts: BackendOptions): { loaded?: string; reasons: string[] } {
  const reasons: string[] = [];
  const roots = [opts.tfjsNodePath, ...(opts.searchPaths ?? []), process.cwd()].filter((p): p is string => !!p);
  for (const pkg of NATIVE_PACKAGES) {
    let resolved: string | undefined;
    for (const root of roots) {
      try {
        resolved = require.resolve(root.includes('tfjs-node') ? path.resolve(root) : pkg, { paths: [path.resolve(root)] });
        break;
      } catch {
        // Not under this root; try the next one.
      }
    }
    if (!resolved) continue;
    try {
      // Loaded by path at run time: the bundler must neither see nor include this package.
      createRequire(__filename)(resolved);
    } catch (e) {
      reasons.push(`${pkg} at ${resolved} failed to load: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (tf.findBackend('tensorflow')) return { loaded: `${pkg} (${resolved})`, reasons };
    reasons.push(`${pkg} at ${resolved} loaded but registered no 'tensorflow' backend (its tfjs-core may be incompatible with 4.22)`);
  }
  if (reasons.length === 0) reasons.push('no @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node found');
  return { reasons };
}

async function useWasm(): Promise<void> {
  // Imported lazily so that CLI commands that never train do not load the wasm module.
  const { initWasmBackend } = await import('./train/wasmBackend');
  await initWasmBackend();
}

export async function selectBackend(opts: BackendOptions = {}): Promise<BackendChoice> {
  const prefer = opts.prefer ?? 'auto';
  const passedOver: string[] = [];
  if (prefer === 'auto' || prefer === 'native') {
    const native = tryLoadNative(opts);
    if (native.loaded && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return { name: 'tensorflow', detail: `native TF.js backend from ${native.loaded}` };
    }
    if (prefer === 'native') throw new PruneLensError(`native backend requested but unavailable: ${native.reasons.join('; ')}`);
    passedOver.push(...native.reasons);
  }
  if (prefer === 'auto' || prefer === 'wasm') {
    try {
      await useWasm();
      await tf.ready();
      return { name: 'wasm', detail: withReasons('TF.js wasm (SIMD) with PruneLens gradient kernels', passedOver) };
    } catch (e) {
      if (prefer === 'wasm') throw new PruneLensError(`wasm backend unavailable: ${(e as Error).message}`);
      passedOver.push(`wasm failed: ${(e as Error).message}`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', detail: withReasons('TF.js cpu (pure JavaScript, slow)', passedOver) };
}

function withReasons(what: string, reasons: string[]): string {
  return reasons.length ? `${what}; passed over: ${reasons.join('; ')}` : what;
}

/**
 * Silences TF.js's console banner suggesting tfjs-node: PruneLens prints the backend it
 * chose itself, and the banner would land in the middle of CLI output and LSP logs.
 */
export function quietTfjs(): void {
  tf.env().set('PROD', true);
}
