/**
 * File names PruneLens derives from the user's (temporary files, lock files, shard files,
 * kept generations) must fit the file system's limit on one name, or a long but legal name
 * the user chose would fail only once the work is done. A derived name that would be too
 * long keeps the start of the user's name and replaces the rest with a short hash of it,
 * so it stays recognisable, fits, and is the same in every process that derives it.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { UsageError } from './errors';

/** Bytes one name (one path component) may have on the file systems PruneLens runs on. */
export const NAME_MAX = 255;

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest start of `text` that has at most `max` UTF-8 bytes, never cutting a character. */
function truncateBytes(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (bytes(out) + bytes(ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * `name`, shortened when needed so that any suffix of up to `room` bytes can follow it in
 * one name: the start of `name`, `~` and eight hex digits of its hash.
 */
export function fitStem(name: string, room: number): string {
  if (bytes(name) + room <= NAME_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${truncateBytes(name, NAME_MAX - room - hash.length - 1)}~${hash}`;
}

/** `name` + `suffix` as one name of at most NAME_MAX bytes (fitStem). */
export function fitName(name: string, suffix: string): string {
  return fitStem(name, bytes(suffix)) + suffix;
}

/** `file` with `suffix` added to its name, shortened (fitName) where the two would not fit. */
export function siblingName(file: string, suffix: string): string {
  return path.join(path.dirname(file), fitName(path.basename(file), suffix));
}

/**
 * A temporary name beside `target`, unique to this process and call: `.NAME.PID.HEX.tmp`,
 * shortened to fit. Hidden, so that folder listings and watchers skip it.
 */
export function tempNameBeside(target: string, tag = 'tmp'): string {
  return path.join(path.dirname(target), fitName(`.${path.basename(target)}`, `.${process.pid}.${randomBytes(4).toString('hex')}.${tag}`));
}

/** Refuses a path whose last name is longer than file systems allow, before any work is done. */
export function checkNameLength(file: string, what: string): void {
  const name = path.basename(file);
  const n = bytes(name);
  if (n > NAME_MAX) throw new UsageError(`the ${what} name is ${n} bytes long; file systems allow at most ${NAME_MAX} bytes in one name`, file);
}
