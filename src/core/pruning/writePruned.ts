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
import { formatPlanFile, PLAN_FILE_NAME, pruningPlanFile, type PlanFileWeight, type PrunedModelInfo } from './planFile';
import type { PrunePlan } from './types';

export interface WrittenPrunedModel {
  readonly dir: string;
  /** The model file: model.json, or the .onnx file. */
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
export function writePrunedModel(dir: string, prunedModel: tf.LayersModel, plan: PrunePlan, info: PrunedModelInfo, options: SaveOptions = {}): Promise<WrittenPrunedModel> {
  const save = async (temp: string): Promise<{ file: string; files: string[] }> => {
    const saved = await saveModel(prunedModel, temp, options);
    return { file: saved.modelJson, files: [...saved.weights] };
  };
  return writePrunedFolder(dir, save, plan, info, () => modelFingerprint(prunedModel));
}

/** What a pruned model's folder gets besides the model: its fingerprint, and the plan file's weight slices (ONNX). */
export interface PrunedFolderFacts {
  readonly fingerprint: () => string;
  readonly weights?: readonly PlanFileWeight[];
}

/**
 * Writes a pruned model in any format (`save` writes it into a folder and names the model
 * file and the other files) and `<dir>/pruning-plan.json`, all or nothing.
 */
export async function writePrunedFolder(
  dir: string,
  save: (temp: string) => Promise<{ readonly file: string; readonly files: readonly string[] }>,
  plan: PrunePlan,
  info: PrunedModelInfo,
  fingerprint: (() => string) | PrunedFolderFacts,
): Promise<WrittenPrunedModel> {
  const facts = typeof fingerprint === 'function' ? { fingerprint } : fingerprint;
  let saved: { readonly file: string; readonly files: readonly string[] };
  const target = path.resolve(dir);
  await checkOutputFolder(target);
  const parent = path.dirname(target);
  const createdParent = await fsp.mkdir(parent, { recursive: true });
  const temp = path.join(parent, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fsp.mkdir(temp);
    saved = await save(temp);
    const file = pruningPlanFile(plan, info, facts.fingerprint(), path.basename(saved.file), new Date(), facts.weights);
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
    modelJson: path.join(target, path.basename(saved.file)),
    weights: saved.files.map((f) => path.join(target, path.basename(f))),
    plan: path.join(target, PLAN_FILE_NAME),
  };
}
