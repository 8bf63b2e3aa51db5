/**
 * Errors the core raises on purpose. Each one names what was wrong and, where a file is
 * involved, which file, so that the CLI and the server can show it to the user as is.
 */

/** A problem with something the user gave us (a file, a flag, a setting). */
export class PruneLensError extends Error {
  override readonly name: string = 'PruneLensError';
  /** The file the problem is in, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, file?: string) {
    super(file === undefined ? message : `${file}: ${message}`);
    this.file = file;
  }
}

/** Bad command-line or API usage (exit code 2 in the CLI). */
export class UsageError extends PruneLensError {
  override readonly name = 'UsageError';
}

/** Long work stopped because its AbortSignal fired. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** Throws CancelledError when the signal has fired; call it between units of work. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The `code` of a Node error (ENOENT, EEXIST, ...), or undefined. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Whether a hard link failed because the file system has none (FAT, some network shares). */
export function isLinkUnsupported(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS';
}

/** The message of anything thrown, for wrapping it in an error that names a file. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
