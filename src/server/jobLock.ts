/**
 * One job per results file (or output) at a time. Inside the server a map says which job
 * holds which path, so a second request is refused at once; across processes (the CLI, two
 * editor windows on one folder, a server that restarts) the core's file lock does the work
 * (src/core/util/fileLock.ts): the server never waits for it, and a lock whose process died
 * is taken over, so a server that crashed does not block its own restart. The job's workers
 * write under the server's lock with its token.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, lockFileOf, LockHeldError, type FileLock } from '../core/util/fileLock';

export { LockHeldError, lockFileOf };

interface Held {
  readonly label: string;
  readonly since: string;
  lock?: FileLock;
}

export class JobLocks {
  private readonly held = new Map<string, Held>();

  /**
   * Takes the lock on `target` for the job and returns its token (for the job's workers), or
   * throws LockHeldError naming the holder.
   */
  async acquire(target: string, jobId: string, title: string): Promise<string> {
    const key = path.resolve(target);
    const mine = this.held.get(key);
    if (mine !== undefined) throw new LockHeldError(key, { pid: process.pid, host: os.hostname(), command: mine.label, since: mine.since }, lockFileOf(key));
    // Reserved in the map first, so that two requests in one tick cannot both pass.
    const entry: Held = { label: `${title} (PruneLens server, job ${jobId})`, since: new Date().toISOString() };
    this.held.set(key, entry);
    try {
      // A job may write into a folder that does not exist yet (train into runs/m1): its lock goes there first.
      await fsp.mkdir(path.dirname(key), { recursive: true });
      entry.lock = await acquireLock(key, { wait: false, label: entry.label });
      return entry.lock.owner.token ?? '';
    } catch (err) {
      this.held.delete(key);
      throw err;
    }
  }

  async release(target: string): Promise<void> {
    const key = path.resolve(target);
    const entry = this.held.get(key);
    this.held.delete(key);
    await entry?.lock?.release();
  }

  /** Removes every lock file this server holds (on shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((k) => this.release(k)));
  }
}
