/**
 * One job per results file (or output) at a time. Inside the server a map says which job
 * holds which path; across processes (two editor windows on one folder, a server that
 * restarts) a lock file beside the path holds the owning server's pid. A lock whose pid is
 * dead is stale and taken over: a server that crashed must not block its own restart.
 * Workers are not recorded as owners because they exit when their server goes away.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface LockOwner {
  readonly pid: number;
  readonly jobId: string;
  readonly title: string;
  readonly since: string;
}

export class LockHeldError extends Error {
  constructor(
    readonly target: string,
    readonly owner: LockOwner,
  ) {
    super(`${path.basename(target)} is in use by ${owner.pid === process.pid ? 'job' : `another PruneLens server (pid ${owner.pid}), job`} "${owner.title}" since ${owner.since}; cancel it or wait for it to finish`);
  }
}

export function lockFileOf(target: string): string {
  return `${target.replace(/[\\/]+$/, '')}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await fsp.readFile(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

export class JobLocks {
  private readonly held = new Map<string, LockOwner>();

  /** Takes the lock on `target` for `jobId`, or throws LockHeldError naming the holder. */
  async acquire(target: string, jobId: string, title: string): Promise<void> {
    const key = path.resolve(target);
    const mine = this.held.get(key);
    if (mine !== undefined) throw new LockHeldError(key, mine);
    const owner: LockOwner = { pid: process.pid, jobId, title, since: new Date().toISOString() };
    // Reserved in the map first, so that two requests in one tick cannot both pass.
    this.held.set(key, owner);
    try {
      await this.createLockFile(key, owner);
    } catch (err) {
      this.held.delete(key);
      throw err;
    }
  }

  async release(target: string): Promise<void> {
    const key = path.resolve(target);
    if (!this.held.delete(key)) return;
    await fsp.rm(lockFileOf(key), { force: true });
  }

  /** Removes every lock file this server holds (on shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((k) => this.release(k)));
  }

  private async createLockFile(target: string, owner: LockOwner): Promise<void> {
    const file = lockFileOf(target);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fsp.writeFile(file, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readOwner(file);
      if (holder !== undefined && holder.pid !== process.pid && alive(holder.pid)) throw new LockHeldError(target, holder);
      // Stale: its server is gone (or it is a leftover of this very process from before a crash of its job).
      await fsp.rm(file, { force: true });
    }
    throw new Error(`could not take the lock ${file}`);
  }
}
