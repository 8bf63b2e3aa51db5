/**
 * The dataset step of Analyze, Train and Evaluate: the built-in digits, an image folder, IDX
 * files or arrays; then, for the user's own data, the value scaling, offering what the model
 * folder's prunelens.json states (docs/data.md). Resize, sample size and cache folder come
 * from the `prunelens.data.*` settings.
 */
import * as vscode from 'vscode';
import type { DatasetOptions, DatasetSpec } from '../../shared/jobs';
import { datasetOptionsOf, modelPreprocessing, scalingChoices, type DataSettings } from '../dataChoice';
import { pickOne, titled, type Step } from './pick';

export interface DatasetChoice {
  readonly dataset: DatasetSpec;
  readonly datasetOptions?: DatasetOptions;
}

type Kind = 'builtin' | 'images' | 'idx' | 'arrays';

async function pickSource(s: Step): Promise<DatasetSpec | undefined> {
  const kind = await pickOne(s, 'Dataset', [
    { label: 'Built-in MNIST digits', description: '10,000 digits shipped with PruneLens', value: 'builtin' as Kind },
    { label: '$(folder) Image folder...', description: 'one subfolder of JPEG/PNG/WebP per class (sorted names = class order); a flat folder is unlabelled', value: 'images' as Kind },
    { label: '$(folder) IDX folder...', description: 'train-images-idx3-ubyte, t10k-images-idx3-ubyte, ... (optionally .gz)', value: 'idx' as Kind },
    { label: '$(file) Arrays...', description: '.npz with images and labels, or an images .npy (NHWC or NCHW, uint8 or float32)', value: 'arrays' as Kind },
  ]);
  if (kind === undefined) return undefined;
  if (kind.value === 'builtin') return 'builtin';
  const files = kind.value === 'arrays';
  const chosen = await vscode.window.showOpenDialog({
    title: titled(s),
    canSelectFolders: !files,
    canSelectFiles: files,
    canSelectMany: false,
    ...(files ? { filters: { 'NumPy arrays': ['npz', 'npy'] } } : {}),
  });
  return chosen?.[0]?.fsPath;
}

/** A dataset for `model`; undefined when the user pressed Escape. */
export async function pickDataset(s: Step, model: string, settings: DataSettings): Promise<DatasetChoice | undefined> {
  const dataset = await pickSource(s);
  if (dataset === undefined) return undefined;
  if (dataset === 'builtin') return { dataset };
  const stated = modelPreprocessing(model);
  if (stated.kind === 'broken') void vscode.window.showWarningMessage(`PruneLens: ${stated.file}: ${stated.error}. The job will refuse it until it is fixed; pick a scaling to see the rest of the steps.`);
  const choices = scalingChoices(stated, settings.scaling);
  const picked = await pickOne(s, 'Value scaling: how the model was trained to see pixels', choices);
  if (picked === undefined) return undefined;
  const datasetOptions = datasetOptionsOf(picked, settings);
  return { dataset, ...(datasetOptions !== undefined ? { datasetOptions } : {}) };
}
