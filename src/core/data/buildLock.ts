/**
 * One builder at a time for a cache file across processes: the worker processes of a
 * parallel scan, or the editor's jobs, open the same image folder at the same moment, and
 * decoding it once instead of once per process saves that many times the work. The lock is
 * a file created exclusively beside the cache and touched while the build makes progress;
 * the others wait until the cache appears or the lock goes, and take over a lock left
 * untouched for STALE_MS (its builder was killed).
 */
import * as fs from 'node:fs';
import { throwIfCancelled } from '../util/errors';

/** A lock untouched for this long is taken to be left by a killed builder. */
export const STALE_MS = 60_000;

const POLL_MS = 250;
const TOUCH_MS = 1_000;

export interface BuildLock {
  /** Marks the build as alive (at most once a second does any work). */
  touch(): void;
  release(): void;
}

/** The lock, or undefined when another process holds it. */
export function tryLock(lockFile: string): BuildLock | undefined {
  try {
    fs.closeSync(fs.openSync(lockFile, 'wx'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  let touched = Date.now();
  return {
    touch() {
      const now = Date.now();
      if (now - touched < TOUCH_MS) return;
      touched = now;
      fs.utimesSync(lockFile, new Date(now), new Date(now));
    },
    release: () => fs.rmSync(lockFile, { force: true }),
  };
}

/** Waits until `ready()` is true or the lock is gone; removes a stale lock. */
export async function waitWhileLocked(lockFile: string, ready: () => boolean, signal?: AbortSignal, staleMs = STALE_MS): Promise<void> {
  for (;;) {
    throwIfCancelled(signal);
    if (ready()) return;
    const st = fs.statSync(lockFile, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (Date.now() - st.mtimeMs > staleMs) {
      fs.rmSync(lockFile, { force: true });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
