/**
 * Writing a pruned model and its plan as one folder, all or nothing (see
 * src/core/util/outputFolder.ts): a new folder is built beside its place and renamed into
 * it; an empty folder (or, asked to overwrite, one with files) is written into, so a mount
 * point or a symbolic link to a folder works and keeps its mode. On any error nothing is
 * left behind.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { modelFingerprint, saveModel, type SaveOptions } from '../models/io';
import { checkOutputFolder, writeOutputFolder } from '../util/outputFolder';
import { formatPlanFile, PLAN_FILE_NAME, pruningPlanFile, type PlanFileWeight, type PrunedModelInfo } from './planFile';
import type { PrunePlan } from './types';

export { checkOutputFolder };

export interface WrittenPrunedModel {
  readonly dir: string;
  /** The model file: model.json, or the .onnx file. */
  readonly modelJson: string;
  readonly weights: readonly string[];
  readonly plan: string;
}

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await fsp.open(file, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `<dir>/model.json`, `<dir>/weights.bin` (the TF.js Layers format, see saveModel)
 * and `<dir>/pruning-plan.json`. `dir` is checked (checkOutputFolder) again here: call that
 * before the work too, so that a bad folder fails at once.
 */
export function writePrunedModel(dir: string, prunedModel: tf.LayersModel, plan: PrunePlan, info: PrunedModelInfo, options: SaveOptions & { overwrite?: boolean } = {}): Promise<WrittenPrunedModel> {
  const save = async (temp: string): Promise<{ file: string; files: string[] }> => {
    const saved = await saveModel(prunedModel, temp, options.quantization ? { quantization: options.quantization } : {});
    return { file: saved.modelJson, files: [...saved.weights] };
  };
  return writePrunedFolder(dir, save, plan, info, () => modelFingerprint(prunedModel), options.overwrite === true);
}

/** What a pruned model's folder gets besides the model: its fingerprint, and the plan file's weight slices (ONNX). */
export interface PrunedFolderFacts {
  readonly fingerprint: () => string;
  readonly weights?: readonly PlanFileWeight[];
}

/**
 * Writes a pruned model in any format (`save` writes it into a folder and names the model
 * file and the other files) and `<dir>/pruning-plan.json`, all or nothing; the model file
 * is moved into place last. `dir` is checked (checkOutputFolder) again here: call that
 * before the work too, so that a bad folder fails at once.
 */
export async function writePrunedFolder(
  dir: string,
  save: (temp: string) => Promise<{ readonly file: string; readonly files: readonly string[] }>,
  plan: PrunePlan,
  info: PrunedModelInfo,
  fingerprint: (() => string) | PrunedFolderFacts,
  overwrite = false,
): Promise<WrittenPrunedModel> {
  const facts = typeof fingerprint === 'function' ? { fingerprint } : fingerprint;
  const out = await checkOutputFolder(dir, { overwrite, what: 'the model files and pruning-plan.json' });
  let saved: { readonly file: string; readonly files: readonly string[] } = { file: '', files: [] };
  await writeOutputFolder(
    out,
    async (temp) => {
      saved = await save(temp);
      const file = pruningPlanFile(plan, info, facts.fingerprint(), path.basename(saved.file), new Date(), facts.weights);
      await writeSynced(path.join(temp, PLAN_FILE_NAME), formatPlanFile(file));
    },
    () => [path.basename(saved.file)],
    'the pruned model',
  );
  return {
    dir: out.dir,
    modelJson: path.join(out.dir, path.basename(saved.file)),
    weights: saved.files.filter((f) => f !== saved.file).map((f) => path.join(out.dir, path.basename(f))),
    plan: path.join(out.dir, PLAN_FILE_NAME),
  };
}
