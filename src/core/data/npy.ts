/**
 * NumPy's .npy and .npz files, what `np.save(file, x)` and `np.savez(file, x=x, y=y)` write.
 *
 * The .npy header is parsed here: the packages on the registry that read .npy load the
 * whole file into memory, and a .npy of 20,000 photos must be read in place, an image at a
 * time, from the offset the header gives. The header is a Python dict literal with three
 * keys (descr, fortran_order, shape), padded so the data starts on a 64-byte boundary
 * (numpy's format spec, versions 1.0 to 3.0). A .npz is a zip of .npy files; fflate, a
 * maintained zip library, unpacks the arrays asked for into memory.
 */
import * as fs from 'node:fs';
import { unzipSync } from 'fflate';
import { PruneLensError, errorText } from '../util/errors';
import { withOpenFile } from './pixelStore';

const MAGIC = '\x93NUMPY';

export interface NpyHeader {
  /** numpy's type string, e.g. "|u1", "<f4", "<i8". */
  readonly descr: string;
  readonly shape: readonly number[];
  /** Byte offset of the data from the start of the .npy. */
  readonly dataOffset: number;
}

/** An array in memory: its header and its data bytes (little-endian, C order). */
export interface NpyArray {
  readonly header: NpyHeader;
  readonly data: Uint8Array;
}

/** Bytes per element of a descr, or undefined for a type PruneLens does not read. */
export function elementBytes(descr: string): number | undefined {
  const m = /^[<|]([uif])([1248])$/.exec(descr);
  if (m === null || (m[1] === 'f' && m[2] !== '4' && m[2] !== '8')) return undefined;
  return Number(m[2]);
}

/** Parses the header at the start of `bytes` (which must hold at least the whole header). */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const text = (a: number, b: number): string => String.fromCharCode(...bytes.subarray(a, b));
  if (bytes.length < 10 || text(0, 6) !== MAGIC) throw new PruneLensError('is not a .npy file (no \\x93NUMPY magic)', file);
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [lenBytes, headerLength] = major === 1 ? [2, view.getUint16(8, true)] : major <= 3 && bytes.length >= 12 ? [4, view.getUint32(8, true)] : [0, 0];
  if (lenBytes === 0) throw new PruneLensError(`has .npy format version ${major}, which PruneLens does not read (1 to 3 are known)`, file);
  const dataOffset = 8 + lenBytes + headerLength;
  if (bytes.length < dataOffset) throw new PruneLensError('has a truncated .npy header', file);
  const dict = text(8 + lenBytes, dataOffset);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new PruneLensError(`has a .npy header PruneLens cannot read (structured arrays are not supported): ${dict.trim()}`, file);
  }
  if (fortran === 'True') throw new PruneLensError('holds a Fortran-ordered array; save it with np.save(file, np.ascontiguousarray(x))', file);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new PruneLensError(`has a .npy shape PruneLens cannot read: (${shapeText})`, file);
  return { descr, shape, dataOffset };
}

/** The header of a .npy file, reading only its first bytes. */
export function readNpyHeader(file: string): NpyHeader {
  return withOpenFile(file, (fd) => {
    const head = new Uint8Array(12);
    fs.readSync(fd, head, 0, 12, 0);
    const probe = parseNpyHeaderLength(head);
    const bytes = new Uint8Array(probe);
    const got = fs.readSync(fd, bytes, 0, probe, 0);
    return parseNpyHeader(bytes.subarray(0, got), file);
  });
}

/** How many leading bytes hold the whole header (at most; enough for the parser to report a bad one). */
function parseNpyHeaderLength(head: Uint8Array): number {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head[6] === 1) return 10 + view.getUint16(8, true);
  if (head[6] === 2 || head[6] === 3) return 12 + view.getUint32(8, true);
  return 12;
}

/** Elements an array holds. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The names of the arrays in a .npz (without ".npy"), in the order the zip lists them. */
export function npzNames(file: string, bytes: Uint8Array): string[] {
  const names: string[] = [];
  unzipNpz(file, bytes, (name) => {
    names.push(name);
    return false;
  });
  return names;
}

function unzipNpz(file: string, bytes: Uint8Array, keep: (name: string) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter: (entry) => entry.name.endsWith('.npy') && keep(entry.name.slice(0, -4)) });
  } catch (e) {
    throw new PruneLensError(`is not a readable .npz (zip) file (${errorText(e)})`, file);
  }
}

/** The named arrays of a .npz, unpacked into memory. */
export function readNpzArrays(file: string, bytes: Uint8Array, names: readonly string[]): Map<string, NpyArray> {
  const entries = unzipNpz(file, bytes, (name) => names.includes(name));
  const out = new Map<string, NpyArray>();
  for (const name of names) {
    const data = entries[`${name}.npy`];
    if (data === undefined) continue;
    const header = parseNpyHeader(data, `${file}[${name}]`);
    out.set(name, { header, data: data.subarray(header.dataOffset) });
  }
  return out;
}

/** Writes a C-ordered little-endian .npy (version 1.0), for tests and tools. */
export function encodeNpy(descr: string, shape: readonly number[], data: Uint8Array): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}
