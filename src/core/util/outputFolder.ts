/**
 * A folder a model is written to (`prune --out`, `train --out`), checked before the work
 * and written so that it is never half there. A new folder is built beside its place and
 * renamed into it. A folder that exists (empty, or with --overwrite) is written into, never
 * replaced: it may be a mount point, or reached through a symbolic link, and keeps its owner
 * and mode; the files go to a hidden temporary folder inside it and are moved into place
 * one by one, model.json last, so that a model.json is only ever there with its weights.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errorCode, errorText, PruneLensError, UsageError } from './errors';
import { checkNameLength, tempNameBeside } from './names';

export interface OutputFolder {
  /** The folder as the user named it, absolute. */
  readonly dir: string;
  /** Where the files go: the folder with symbolic links followed. */
  readonly real: string;
  /** `new`: not there yet; `empty`: an empty folder; `overwrite`: a folder with files, written into as asked. */
  readonly state: 'new' | 'empty' | 'overwrite';
}

async function checkWritable(dir: string, named: string): Promise<void> {
  try {
    await fsp.access(dir, fsp.constants.W_OK);
  } catch (err) {
    throw new PruneLensError(`cannot write into ${dir} (${errorText(err)})`, named);
  }
}

/** The nearest folder above `dir` that exists, which a new folder is created in. */
async function existingAncestor(dir: string): Promise<string> {
  for (let at = path.dirname(dir); ; at = path.dirname(at)) {
    try {
      const stat = await fsp.stat(at);
      if (!stat.isDirectory()) throw new UsageError(`${at} is not a folder`, dir);
      return at;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if (at === path.dirname(at)) throw new PruneLensError(`no folder above it exists (${errorText(err)})`, dir);
    }
  }
}

/**
 * Checks `dir` as an output folder, before any work: absent (its nearest existing parent
 * must be writable), an empty folder, or, with `overwrite`, a folder with files (whose
 * model files are replaced and other files kept). Anything else is refused by name.
 */
export async function checkOutputFolder(dir: string, opts: { overwrite?: boolean; what?: string } = {}): Promise<OutputFolder> {
  const named = path.resolve(dir);
  checkNameLength(named, 'output folder');
  let real: string;
  try {
    real = await fsp.realpath(named);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw new PruneLensError(`cannot use the output folder (${errorText(err)})`, named);
    const link = await fsp.readlink(named).catch(() => undefined);
    if (link !== undefined) throw new UsageError(`is a symbolic link to ${link}, which does not exist; create that folder or choose another`, named);
    await checkWritable(await existingAncestor(named), named);
    return { dir: named, real: named, state: 'new' };
  }
  const stat = await fsp.stat(real);
  if (!stat.isDirectory()) throw new UsageError('the output path exists and is not a folder', named);
  const entries = await fsp.readdir(real);
  await checkWritable(real, named);
  if (entries.length === 0) return { dir: named, real, state: 'empty' };
  if (opts.overwrite) return { dir: named, real, state: 'overwrite' };
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
  throw new UsageError(`the output folder exists and is not empty (${shown}); choose a new folder, or --overwrite to replace ${opts.what ?? 'the model files'} in it`, named);
}

/**
 * Writes a folder's files with `fill(dir)` (which writes them into the folder it is given)
 * so that `out` gets them all or none; see the module comment. `last` lists file names to
 * move into place last, in that order (model.json), or gives them once `fill` has run.
 */
export async function writeOutputFolder(out: OutputFolder, fill: (dir: string) => Promise<void>, last: readonly string[] | (() => readonly string[]) = [], what = 'the output'): Promise<void> {
  if (out.state === 'new') return writeNewFolder(out.real, fill, what);
  const temp = path.join(out.real, path.basename(tempNameBeside(path.join(out.real, 'output'))));
  try {
    await fsp.mkdir(temp);
    await fill(temp);
    // A function when the model file's name is only known once it is written (an ONNX model keeps its source's).
    const lastNames = typeof last === 'function' ? last() : last;
    const names = await fsp.readdir(temp);
    const ordered = [...names.filter((n) => !lastNames.includes(n)), ...lastNames.filter((n) => names.includes(n))];
    for (const name of ordered) await fsp.rename(path.join(temp, name), path.join(out.real, name));
    await fsp.rmdir(temp);
  } catch (err) {
    await fsp.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof PruneLensError) throw err;
    throw new PruneLensError(`could not write ${what} (${errorText(err)})`, out.dir);
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

async function writeNewFolder(target: string, fill: (dir: string) => Promise<void>, what: string): Promise<void> {
  const parent = path.dirname(target);
  const createdParent = await fsp.mkdir(parent, { recursive: true });
  const temp = tempNameBeside(target);
  try {
    await fsp.mkdir(temp);
    await fill(temp);
    // Fails if files appeared at the target meanwhile: nothing but an empty folder is replaced.
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (createdParent !== undefined) await removeEmptyParents(parent, createdParent).catch(() => undefined);
    if (err instanceof PruneLensError) throw err;
    throw new PruneLensError(`could not write ${what} (${errorText(err)})`, target);
  }
}
