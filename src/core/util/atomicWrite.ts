/**
 * Replacing a file so that a reader (or a crash) never sees it half written: the data goes
 * to a temporary file in the same folder (a rename is atomic only within one filesystem),
 * is flushed to disk, and is renamed over the target. The folder is flushed too, where the
 * platform allows, so that the rename itself survives a power cut.
 *
 * A target that is a symbolic link is written through: the file it leads to is replaced and
 * the link stays, as a user who linked a results file into a project expects. A replaced
 * file keeps its permission bits.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorCode, errorText, PruneLensError } from './errors';
import { tempNameBeside } from './names';

/** Links followed before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;


async function syncFolder(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or flush a folder; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * The path a write to `file` must replace: `file` itself, or, when it is a symbolic link
 * (to a file that may not exist yet), the path the links lead to, in its folder's real path.
 */
export async function resolveWriteTarget(file: string): Promise<string> {
  let current = path.resolve(file);
  for (let hops = 0; ; hops++) {
    let link: string;
    try {
      link = await fsp.readlink(current);
    } catch (err) {
      // EINVAL: not a link; ENOENT: nothing there yet. Either way this is the file to write.
      if (errorCode(err) === 'EINVAL' || errorCode(err) === 'ENOENT') break;
      throw new PruneLensError(`cannot use this path (${errorText(err)})`, file);
    }
    if (hops >= MAX_LINKS) throw new PruneLensError(`too many symbolic links lead on from here (more than ${MAX_LINKS})`, file);
    current = path.resolve(path.dirname(current), link);
  }
  try {
    return path.join(await fsp.realpath(path.dirname(current)), path.basename(current));
  } catch {
    return current;
  }
}

/** The permission bits of `file`, or undefined when there is no such file. */
async function modeOf(file: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(file)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** Writes `data` to a new file `temp` and flushes it; the first error wins over any from closing. */
async function writeNew(temp: string, data: string | Uint8Array, mode: number | undefined): Promise<void> {
  const handle = await fsp.open(temp, 'wx');
  let failure: unknown;
  try {
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    failure = err;
  }
  try {
    await handle.close();
  } catch (err) {
    failure ??= err;
  }
  if (failure !== undefined) throw failure;
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const real = await resolveWriteTarget(target);
  const temp = tempNameBeside(real);
  try {
    await writeNew(temp, data, await modeOf(real));
    await fsp.rename(temp, real);
  } catch (err) {
    // Cleanup is best effort: its own failure must never hide why the write failed.
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw new PruneLensError(`could not write (${errorText(err)})`, target);
  }
  await syncFolder(path.dirname(real));
}
