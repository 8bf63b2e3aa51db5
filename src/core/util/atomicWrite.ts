/**
 * Replacing a file so that a reader (or a crash) never sees it half written: the data goes
 * to a temporary file in the same folder (a rename is atomic only within one filesystem),
 * is flushed to disk, and is renamed over the target. The folder is flushed too, where the
 * platform allows, so that the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorText, PruneLensError } from './errors';

async function syncFolder(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open or flush a folder; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fsp.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw new PruneLensError(`could not write (${errorText(err)})`, target);
  }
  await syncFolder(path.dirname(target));
}
