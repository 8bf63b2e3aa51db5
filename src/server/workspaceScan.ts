/**
 * Finding sensitivity results files in the workspace folders without opening every JSON
 * file: a results file announces itself in its first bytes ("format":
 * "prunelens-sensitivity"), so only a short head of each candidate is read. Folders that
 * never hold results (dependencies, build output, VCS data) are skipped, and the walk is
 * bounded so that a huge folder cannot stall the server.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { looksLikeResultsText } from '../shared/vocabulary';
import { isShardFile, mainFileOf } from '../core/sensitivity/shards';

const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.cache', '__pycache__', '.venv', 'venv']);
const MAX_DEPTH = 8;
const MAX_ENTRIES = 20000;
const HEAD_BYTES = 256;

/** Whether the first bytes of `file` say it is a results file. */
export async function looksLikeResults(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await fsp.open(file, 'r');
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return looksLikeResultsText(buffer.subarray(0, bytesRead).toString('utf8'));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/**
 * Every results file under `roots`, sorted. A shard file stands for its results file, which
 * is listed even before a merge writes it (a split scan on a cluster has only shard files).
 */
export async function findResultsFiles(roots: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  let budget = MAX_ENTRIES;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || budget <= 0) return;
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (--budget <= 0) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) await walk(full, depth + 1);
      } else if (entry.isFile() && entry.name.endsWith('.json') && (await looksLikeResults(full))) {
        found.add(isShardFile(entry.name) ? mainFileOf(full) : full);
      }
    }
  };
  for (const root of roots) await walk(root, 0);
  return [...found].sort();
}
