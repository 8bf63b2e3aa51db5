/**
 * Writing a pruned model and its plan as one folder, all or nothing: everything goes to a
 * temporary folder beside the target, which is renamed into place only once complete. On
 * any error the temporary folder (and any parent folder this call created) is removed,
 * so a failed run leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { modelFingerprint, saveModel, type SaveOptions } from '../models/io';
import { errorText, PruneLensError, UsageError } from '../util/errors';
import { formatPlanFile, PLAN_FILE_NAME, pruningPlanFile, type PrunedModelInfo } from './planFile';
import type { PrunePlan } from './types';

export interface WrittenPrunedModel {
  readonly dir: string;
  readonly modelJson: string;
  readonly weights: readonly string[];
  readonly plan: string;
}

/**
 * Refuses an output folder that exists and is not empty, or is not a folder: a pruned
 * model never overwrites or mixes with other files. Call it before long work, too.
 */
export async function checkOutputFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new UsageError('the output path exists and is not a folder', dir);
    throw new PruneLensError(`cannot use the output folder (${errorText(err)})`, dir);
  }
  if (entries.length > 0) throw new UsageError('the output folder exists and is not empty; choose a new folder', dir);
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

/** Removes the folders between `from` and `top` (both included) that are empty. */
async function removeEmptyParents(from: string, top: string): Promise<void> {
  for (let dir = from; dir.startsWith(top); dir = path.dirname(dir)) {
    try {
      await fsp.rmdir(dir);
    } catch {
      return;
    }
    if (dir === top) return;
  }
}

/**
 * Writes `<dir>/model.json`, `<dir>/weights.bin` (the TF.js Layers format, see saveModel)
 * and `<dir>/pruning-plan.json`. `dir` must not exist or be an empty folder.
 */
export async function writePrunedModel(dir: string, prunedModel: tf.LayersModel, plan: PrunePlan, info: PrunedModelInfo, save: SaveOptions = {}): Promise<WrittenPrunedModel> {
  const target = path.resolve(dir);
  await checkOutputFolder(target);
  const parent = path.dirname(target);
  const createdParent = await fsp.mkdir(parent, { recursive: true });
  const temp = path.join(parent, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fsp.mkdir(temp);
    const saved = await saveModel(prunedModel, temp, save);
    const file = pruningPlanFile(plan, info, modelFingerprint(prunedModel), path.basename(saved.modelJson), new Date());
    await writeSynced(path.join(temp, PLAN_FILE_NAME), formatPlanFile(file));
    // An empty folder may stand where the result goes; rename cannot replace it everywhere.
    await fsp.rmdir(target).catch(() => undefined);
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { recursive: true, force: true });
    if (createdParent !== undefined) await removeEmptyParents(parent, createdParent);
    if (err instanceof PruneLensError) throw err;
    throw new PruneLensError(`could not write the pruned model (${errorText(err)})`, target);
  }
  return {
    dir: target,
    modelJson: path.join(target, 'model.json'),
    weights: [path.join(target, 'weights.bin')],
    plan: path.join(target, PLAN_FILE_NAME),
  };
}
