/**
 * Initializers stored outside the model file (ONNX "external data": exporters do it for
 * models over protobuf's 2 GB limit, and on request). A tensor names a file relative to the
 * model's folder plus an optional byte range. The file name comes from the model, which may
 * come from anyone, so the path must stay inside the model's folder (no absolute paths, no
 * "..", no symbolic link out of it), and every range is checked against the file's size
 * before anything is read.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { errorText, PruneLensError } from '../util/errors';

/** Where one tensor's bytes are, as its external_data entries say. */
export interface ExternalDataRef {
  readonly tensor: string;
  readonly location: string;
  readonly offset: number;
  /** Bytes to read; undefined means "the tensor's size". */
  readonly length: number | undefined;
}

function entryNumber(value: string | undefined, key: string, tensor: string, file: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new PruneLensError(`initializer "${tensor}": external data ${key} "${value}" is not a byte count`, file);
  }
  return n;
}

/** Reads a tensor's external_data key/value entries. */
export function externalDataRef(tensor: string, entries: readonly { key: string; value: string }[], file: string): ExternalDataRef {
  const get = (key: string): string | undefined => entries.find((e) => e.key === key)?.value;
  const location = get('location');
  if (location === undefined || location === '') {
    throw new PruneLensError(`initializer "${tensor}" is stored externally but names no location`, file);
  }
  return { tensor, location, offset: entryNumber(get('offset'), 'offset', tensor, file) ?? 0, length: entryNumber(get('length'), 'length', tensor, file) };
}

/**
 * The absolute path of an external data file, refused unless it lies inside `baseDir`.
 * Checked on the name first (no absolute path or "..") and then on the real path, so that
 * a symbolic link inside the folder cannot point outside it either.
 */
export async function resolveExternalPath(baseDir: string, location: string, tensor: string, file: string): Promise<string> {
  const escapes = (rel: string): boolean => rel === '' || rel.startsWith('..') || path.isAbsolute(rel);
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || escapes(path.relative(baseDir, path.resolve(baseDir, location)))) {
    throw new PruneLensError(`initializer "${tensor}": external data path "${location}" is outside the model's folder`, file);
  }
  const full = path.resolve(baseDir, location);
  let real: string;
  try {
    real = await fsp.realpath(full);
  } catch (e) {
    throw new PruneLensError(`initializer "${tensor}": external data file "${location}" cannot be opened (${errorText(e)})`, file);
  }
  if (escapes(path.relative(await fsp.realpath(baseDir), real))) {
    throw new PruneLensError(`initializer "${tensor}": external data path "${location}" leads outside the model's folder`, file);
  }
  return real;
}

/**
 * Reads the bytes of external tensors, each exactly `expectedBytes[i]` long, opening each
 * data file once. Throws, naming the model file and the tensor, on any missing file or
 * range that does not fit.
 */
export async function readExternalData(baseDir: string, refs: readonly ExternalDataRef[], expectedBytes: readonly number[], file: string): Promise<Uint8Array[]> {
  const handles = new Map<string, { handle: fsp.FileHandle; size: number }>();
  try {
    const out: Uint8Array[] = [];
    for (const [i, ref] of refs.entries()) {
      const expected = expectedBytes[i] as number;
      const full = await resolveExternalPath(baseDir, ref.location, ref.tensor, file);
      let open = handles.get(full);
      if (open === undefined) {
        const handle = await fsp.open(full, 'r');
        open = { handle, size: (await handle.stat()).size };
        handles.set(full, open);
      }
      const length = ref.length ?? expected;
      if (length !== expected) {
        throw new PruneLensError(`initializer "${ref.tensor}": external data length ${length} does not match its type and shape (${expected} bytes)`, file);
      }
      if (ref.offset + length > open.size) {
        throw new PruneLensError(
          `initializer "${ref.tensor}": external data range ${ref.offset}..${ref.offset + length} is past the end of "${ref.location}" (${open.size} bytes)`,
          file,
        );
      }
      const bytes = new Uint8Array(length);
      const { bytesRead } = await open.handle.read(bytes, 0, length, ref.offset);
      if (bytesRead !== length) throw new PruneLensError(`initializer "${ref.tensor}": short read from "${ref.location}"`, file);
      out.push(bytes);
    }
    return out;
  } finally {
    for (const { handle } of handles.values()) await handle.close();
  }
}
