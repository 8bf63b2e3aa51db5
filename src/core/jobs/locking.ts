/**
 * The lock options a job takes its results file's lock with, from its run environment: the
 * CLI waits for another writer (or, with --no-wait, fails at once); the language server never
 * waits, and its workers write under the lock the server took for the job.
 */
import type { RunEnv } from '../../shared/jobs';
import type { LockOptions } from '../util/fileLock';

export function lockOptions(env: RunEnv, log: (line: string) => void, signal?: AbortSignal): LockOptions {
  const l = env.lock ?? {};
  return {
    wait: l.wait ?? true,
    onWait: log,
    ...(l.label !== undefined ? { label: l.label } : {}),
    ...(l.token !== undefined ? { inherit: l.token } : {}),
    ...(signal ? { signal } : {}),
  };
}
