/**
 * Writes the files a cluster generator returns into one folder. A file already there is
 * left alone unless the caller forces it: it may be a script someone has edited since.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { PruneLensError } from '../util/errors';

/** Writes `files` (name -> text) into `dir`, shell scripts executable; returns the paths written. */
export async function writeGeneratedFiles(dir: string, files: Readonly<Record<string, string | undefined>>, force = false): Promise<string[]> {
  const entries = Object.entries(files).filter((e): e is [string, string] => e[1] !== undefined);
  const targets = entries.map(([name]) => path.join(dir, name));
  if (!force) {
    const there = [];
    for (const target of targets) if (await fsp.stat(target).then(() => true, () => false)) there.push(path.basename(target));
    if (there.length > 0) throw new PruneLensError(`already holds ${there.join(', ')}; choose another folder, or --force to replace them`, dir);
  }
  await fsp.mkdir(dir, { recursive: true });
  for (const [name, text] of entries) {
    const target = path.join(dir, name);
    await fsp.writeFile(target, text);
    await fsp.chmod(target, name.endsWith('.sh') ? 0o755 : 0o644);
  }
  return targets;
}
