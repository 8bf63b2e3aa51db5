/**
 * Earlier results kept when a scan starts over ("re-run", `restart`): the results file
 * moves to `NAME.previous.json`, and one already there moves on to `NAME.previous-1.json`,
 * that one to `NAME.previous-2.json`, and so on. The newest earlier file is always
 * `.previous.json`, older ones have higher numbers, and no file is ever overwritten, so
 * restarting any number of times never loses a measured point. Call it holding the results
 * file's lock. Light: the language server restarts scans with it.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { resolveWriteTarget } from '../util/atomicWrite';
import { errorCode, errorText, isLinkUnsupported, PruneLensError } from '../util/errors';
import { fitStem } from '../util/names';

/** Bytes kept free after the stem for ".previous-NNNNN.json". */
const SUFFIX_ROOM = 24;

/** The name of generation `n` of `file`: 0 is `.previous.json`, n > 0 is `.previous-n.json`. */
export function generationFile(file: string, n: number): string {
  const bare = file.endsWith('.json') ? file.slice(0, -'.json'.length) : file;
  const stem = path.join(path.dirname(bare), fitStem(path.basename(bare), SUFFIX_ROOM));
  return `${stem}.previous${n === 0 ? '' : `-${n}`}.json`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Moves `from` to `to`, refusing to replace anything at `to` (a hard link fails if it exists). */
async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await fsp.link(from, to);
    await fsp.unlink(from);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') throw new PruneLensError(`cannot keep ${from} there: the name is taken`, to);
    if (!isLinkUnsupported(err)) throw err;
    // No hard links on this file system: checked, then renamed (the caller holds the lock).
    if (await exists(to)) throw new PruneLensError(`cannot keep ${from} there: the name is taken`, to);
    await fsp.rename(from, to);
  }
}

/**
 * Moves `file` aside as its newest earlier generation (see the module comment); returns
 * where it went, or undefined when there was no file. A results file that is a symbolic
 * link keeps its link: the file it leads to is moved.
 */
export async function keepPrevious(file: string): Promise<string | undefined> {
  const real = await resolveWriteTarget(file);
  if (!(await exists(real))) return undefined;
  let free = 0;
  while (await exists(generationFile(real, free))) free++;
  try {
    for (let n = free - 1; n >= 0; n--) await moveNoClobber(generationFile(real, n), generationFile(real, n + 1));
    const newest = generationFile(real, 0);
    await moveNoClobber(real, newest);
    return newest;
  } catch (err) {
    if (err instanceof PruneLensError) throw err;
    throw new PruneLensError(`could not keep the earlier results before starting over (${errorText(err)})`, file);
  }
}
