/**
 * One writer per results file (or output), across processes. Every writer rewrites the
 * whole file from what it holds in memory, so two writers at once would silently drop each
 * other's points; the lock makes the second one wait (or, asked not to, fail at once) with
 * the name of the holder.
 *
 * The lock is a file beside the target (`sens.json.lock`) naming its holder: pid, host,
 * command and since when, and a random token. It is created complete and atomically (a
 * hard link of a finished temporary file, which fails if a lock is already there), so a
 * reader never sees half a lock. A lock whose process has died on this machine is stale and
 * is taken over; a lock from another machine (a shared folder) cannot be checked and is
 * never taken over by itself.
 *
 * A process that holds a lock may start others that write under it (the language server's
 * worker for a job): they get the token and, finding it in the lock file, write without
 * taking a lock of their own. Before each write a holder checks the lock file still bears
 * its token (verify), so a process that lost its lock (its parent died and another took
 * over) stops instead of writing over the new holder.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveWriteTarget } from './atomicWrite';
import { CancelledError, errorCode, errorText, isLinkUnsupported, PruneLensError } from './errors';
import { siblingName, tempNameBeside } from './names';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** What holds it, in words: a command line, or a server job's title. */
  readonly command: string;
  readonly since: string;
  /** Absent in locks written by older versions. */
  readonly token?: string;
}

export interface LockOptions {
  /** Wait until the holder lets go (default), or fail at once with LockHeldError. */
  readonly wait?: boolean;
  /** What the lock file says holds it (default: this process's command line). */
  readonly label?: string;
  /** The token of a lock the process that started this one holds: found in the lock file, it is written under. */
  readonly inherit?: string;
  /** Called once, when the lock is held by another and the caller starts waiting. */
  readonly onWait?: (message: string) => void;
  readonly signal?: AbortSignal;
  /** How often a waiting caller looks again. */
  readonly pollMs?: number;
}

export interface FileLock {
  /** The file locked (symbolic links followed). */
  readonly target: string;
  readonly lockFile: string;
  readonly owner: LockOwner;
  /** True when the lock belongs to the process that started this one. */
  readonly inherited: boolean;
  /** Throws LockLostError unless the lock file still names this holder. */
  verify(): Promise<void>;
  /** Removes the lock file (an inherited lock is left to its owner). */
  release(): Promise<void>;
}

const DEFAULT_POLL_MS = 250;

function isSelf(owner: LockOwner): boolean {
  return owner.pid === process.pid && owner.host === os.hostname();
}

function describeOwner(owner: LockOwner): string {
  const where = isSelf(owner) ? 'this process' : owner.host === os.hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
  return `${where} (${owner.command}) since ${owner.since}`;
}

/** Another process (or job) holds the lock on a file. */
export class LockHeldError extends PruneLensError {
  override readonly name = 'LockHeldError';
  constructor(
    readonly target: string,
    readonly owner: LockOwner,
    readonly lockFile: string,
  ) {
    const remote = owner.host !== os.hostname();
    const advice = remote
      ? `this machine cannot check a process on ${owner.host}; if it is gone, remove ${lockFile}`
      : isSelf(owner)
        ? 'wait for it to finish, or cancel it'
        : `wait for it to finish, or cancel it; if that process is not PruneLens, remove ${lockFile}`;
    super(`is in use by ${describeOwner(owner)}; ${advice}`, target);
  }
}

/** The lock file stopped naming this holder while it worked (its parent died and another process took over). */
export class LockLostError extends PruneLensError {
  override readonly name = 'LockLostError';
}

/** The lock file of `target` (already resolved): `target.lock`, shortened to fit when the name is long. */
export function lockFileOf(target: string): string {
  return siblingName(target.replace(/[\\/]+$/, ''), '.lock');
}

/** This process's command line, as the lock file shows it. */
export function processLabel(): string {
  const script = process.argv[1] ?? '';
  const name = /(^|[\\/])(cli\.js|main\.ts)$/.test(script) ? 'prunelens' : `node ${path.basename(script)}`;
  const text = [name, ...process.argv.slice(2)].join(' ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(err) === 'EPERM';
  }
}

/** Locks this process holds, by target, so that a second taker in the same process waits too. */
const held = new Map<string, FileLock>();
/** Targets whose lock file this process is creating right now. */
const creating = new Set<string>();

/** The lock this process holds (or writes under) on `target`, if any. */
export async function heldLock(target: string): Promise<FileLock | undefined> {
  return held.get(await resolveWriteTarget(target));
}

/** The owner a lock file names; undefined when it is gone, and 'unreadable' when it does not parse. */
async function readOwner(file: string): Promise<LockOwner | undefined | 'unreadable'> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new PruneLensError(`cannot read the lock file (${errorText(err)})`, file);
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    if (typeof raw['pid'] !== 'number') return 'unreadable';
    const text_ = (key: string): string | undefined => (typeof raw[key] === 'string' ? raw[key] : undefined);
    return {
      pid: raw['pid'],
      host: text_('host') ?? os.hostname(),
      // Locks of older servers said `title` where this says `command`.
      command: text_('command') ?? text_('title') ?? 'unknown command',
      since: text_('since') ?? 'an unknown time',
      ...(text_('token') !== undefined ? { token: text_('token') } : {}),
    };
  } catch {
    return 'unreadable';
  }
}

/**
 * Who holds the lock on `target`, for a reader that only reports it (status, the editor):
 * undefined when there is no lock or it cannot be read as one; `alive` is undefined for a
 * holder on another machine, whose pid means nothing here.
 */
export async function lockHolder(target: string): Promise<(LockOwner & { readonly alive: boolean | undefined }) | undefined> {
  const owner = await readOwner(lockFileOf(target)).catch(() => undefined);
  if (owner === undefined || owner === 'unreadable') return undefined;
  return { ...owner, alive: owner.host === os.hostname() ? alive(owner.pid) : undefined };
}

/** A lock its holder cannot still be using: a dead process on this machine, or unreadable. */
function isStale(owner: LockOwner | 'unreadable'): boolean {
  if (owner === 'unreadable') return true;
  if (owner.host !== os.hostname()) return false;
  // Our own pid on a lock this process does not hold (the caller checks): a process before us had our pid.
  return owner.pid === process.pid || !alive(owner.pid);
}

/** Creates the lock file complete, or returns false when one is there. */
async function create(lockFile: string, owner: LockOwner): Promise<boolean> {
  const temp = tempNameBeside(lockFile);
  await fsp.writeFile(temp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  try {
    await fsp.link(temp, lockFile);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    if (!isLinkUnsupported(err)) throw err;
    // A file system without hard links: exclusive creation, with a moment where the file is empty.
    try {
      await fsp.writeFile(lockFile, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
      return true;
    } catch (e) {
      if (errorCode(e) === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
  }
}

function sameOwner(a: LockOwner | undefined | 'unreadable', b: LockOwner | 'unreadable'): boolean {
  if (a === 'unreadable' || b === 'unreadable') return a === b;
  return a !== undefined && a.pid === b.pid && a.since === b.since && a.token === b.token;
}

/**
 * Removes the stale lock `stale`. It is moved aside first and checked: if another process
 * replaced it with a fresh lock in the meantime, that one is put back.
 */
async function takeOver(lockFile: string, stale: LockOwner | 'unreadable'): Promise<void> {
  const aside = tempNameBeside(lockFile, 'stale');
  try {
    await fsp.rename(lockFile, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = await readOwner(aside);
    if (!sameOwner(moved, stale)) await fsp.link(aside, lockFile).catch(() => undefined);
  } finally {
    await fsp.rm(aside, { force: true }).catch(() => undefined);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function makeLock(target: string, lockFile: string, owner: LockOwner, inherited: boolean, register = true): FileLock {
  const lock: FileLock = {
    target,
    lockFile,
    owner,
    inherited,
    async verify() {
      const now = await readOwner(lockFile);
      const mine = now !== undefined && now !== 'unreadable' && now.token === owner.token;
      // Writing under a parent's lock is right only while the parent lives.
      if (mine && (!inherited || alive(now.pid))) return;
      const holder = now === undefined ? 'nobody holds it now' : now === 'unreadable' ? 'the lock file is unreadable' : `it is held by ${describeOwner(now)}`;
      throw new LockLostError(`the lock ${lockFile} no longer names this process (${holder}); stopped rather than write over another writer`, target);
    },
    async release() {
      if (held.get(target) === lock) held.delete(target);
      if (inherited) return;
      // Only our own lock is removed: a lock lost to another holder stays theirs.
      const now = await readOwner(lockFile).catch(() => undefined);
      if (now !== undefined && now !== 'unreadable' && now.token === owner.token) await fsp.rm(lockFile, { force: true });
    },
  };
  if (register) held.set(target, lock);
  return lock;
}

/**
 * Takes the lock on `file`: at once when it is free or stale, after the holder lets go when
 * `wait` (the default), or a LockHeldError naming the holder. Release it when done.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<FileLock> {
  const target = await resolveWriteTarget(file);
  const lockFile = lockFileOf(target);
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), command: opts.label ?? processLabel(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  let announced = false;
  for (;;) {
    const mine = held.get(target);
    if (opts.inherit !== undefined) {
      // The lock of the process that started this one, or of this very process (a server's job).
      const now = mine?.owner ?? (await readOwner(lockFile));
      if (now !== undefined && now !== 'unreadable' && now.token === opts.inherit && alive(now.pid)) return makeLock(target, lockFile, now, true, mine === undefined);
    }
    let holder: LockOwner | 'unreadable' | undefined = mine?.owner;
    if (mine === undefined && !creating.has(target)) {
      creating.add(target);
      let created: boolean;
      try {
        created = await create(lockFile, owner);
      } catch (err) {
        throw new PruneLensError(`cannot create the lock file ${path.basename(lockFile)} (${errorText(err)})`, target);
      } finally {
        creating.delete(target);
      }
      if (created) return makeLock(target, lockFile, owner, false);
      holder = await readOwner(lockFile);
      if (holder === undefined) continue;
      if (isStale(holder) && !held.has(target) && !creating.has(target)) {
        await takeOver(lockFile, holder);
        continue;
      }
    }
    const shown = holder !== undefined && holder !== 'unreadable' ? holder : { ...owner, command: 'another job of this process' };
    if (opts.wait === false) throw new LockHeldError(target, shown, lockFile);
    if (!announced) {
      announced = true;
      const other = isSelf(shown) ? '' : `; if that process is not PruneLens, remove ${lockFile}`;
      opts.onWait?.(`${file} is in use by ${describeOwner(shown)}; waiting for it to finish (--no-wait fails at once instead${other})`);
    }
    await delay(opts.pollMs ?? DEFAULT_POLL_MS, opts.signal);
  }
}

/** Runs `work` holding the lock on `file` (see acquireLock), and lets go after. */
export async function withLock<T>(file: string, opts: LockOptions, work: (lock: FileLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(file, opts);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}
