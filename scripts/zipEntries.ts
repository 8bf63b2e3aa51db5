/**
 * The entries of a zip file (a .vsix is one), read from its central directory (names and
 * sizes), and the contents of one entry: enough to check what a package holds without a
 * zip library.
 */
import * as fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly compressedBytes: number;
  readonly bytes: number;
  /** Where the entry's local header starts, and how it is stored (0: stored, 8: deflated). */
  readonly offset: number;
  readonly method: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;

export function zipEntries(file: string): ZipEntry[] {
  const data = fs.readFileSync(file);
  // The end record is the last 22 bytes plus a comment of at most 64 KiB.
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (data.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error(`${file}: not a zip file (no end of central directory)`);
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`${file}: broken central directory at entry ${i}`);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    entries.push({
      name: data.toString('utf8', at + 46, at + 46 + nameLength),
      compressedBytes: data.readUInt32LE(at + 20),
      bytes: data.readUInt32LE(at + 24),
      offset: data.readUInt32LE(at + 42),
      method: data.readUInt16LE(at + 10),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The contents of the entry called `name`. */
export function zipEntryContents(file: string, name: string): Buffer {
  const entry = zipEntries(file).find((e) => e.name === name);
  if (entry === undefined) throw new Error(`${file} has no entry ${name}`);
  const data = fs.readFileSync(file);
  const start = entry.offset + 30 + data.readUInt16LE(entry.offset + 26) + data.readUInt16LE(entry.offset + 28);
  const raw = data.subarray(start, start + entry.compressedBytes);
  if (entry.method === 0) return Buffer.from(raw);
  if (entry.method === 8) return inflateRawSync(raw);
  throw new Error(`${file}: ${name} is stored with compression method ${entry.method}`);
}
