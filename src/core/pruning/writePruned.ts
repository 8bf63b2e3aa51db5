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
import { MODEL_JSON_NAME, modelFingerprint, saveModel, WEIGHTS_FILE_NAME, type SaveOptions } from '../models/io';
import { checkOutputFolder, writeOutputFolder } from '../util/outputFolder';
import { formatPlanFile, PLAN_FILE_NAME, pruningPlanFile, type PrunedModelInfo } from './planFile';
import type { PrunePlan } from './types';

export { checkOutputFolder };

export interface WrittenPrunedModel {
  readonly dir: string;
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
export async function writePrunedModel(dir: string, prunedModel: tf.LayersModel, plan: PrunePlan, info: PrunedModelInfo, opts: SaveOptions & { overwrite?: boolean } = {}): Promise<WrittenPrunedModel> {
  const out = await checkOutputFolder(dir, { overwrite: opts.overwrite === true, what: 'model.json, weights.bin and pruning-plan.json' });
  const save: SaveOptions = opts.quantization ? { quantization: opts.quantization } : {};
  await writeOutputFolder(
    out,
    async (temp) => {
      const saved = await saveModel(prunedModel, temp, save);
      const file = pruningPlanFile(plan, info, modelFingerprint(prunedModel), path.basename(saved.modelJson), new Date());
      await writeSynced(path.join(temp, PLAN_FILE_NAME), formatPlanFile(file));
    },
    [MODEL_JSON_NAME],
    'the pruned model',
  );
  return {
    dir: out.dir,
    modelJson: path.join(out.dir, MODEL_JSON_NAME),
    weights: [path.join(out.dir, WEIGHTS_FILE_NAME)],
    plan: path.join(out.dir, PLAN_FILE_NAME),
  };
}
