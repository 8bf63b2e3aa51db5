/**
 * The on-disk cache of decoded images: an image folder is decoded, resized and cropped
 * once, in parallel, into one file of model-sized 8-bit pixels; scans, resumes and
 * evaluations then read batches from it (pixelStore.ts) without decoding again or holding
 * the set in memory. The value scaling is applied on read (scaling.ts), so one cache
 * serves every scaling of the same size and channel order.
 *
 * A cache is named by a key over the file list (absolute paths, sizes, modification times)
 * and the geometry (resize, crop, channel order): a changed, added or removed image gives a
 * new key, so a stale cache is never read. When a new cache of a folder is complete, older
 * caches of that folder, geometry and sample (--limit) are deleted. A cache file is written
 * under a temporary name and renamed when complete, so a killed build leaves no half cache
 * (it starts over); processes that want the same cache at once build it once (buildLock.ts).
 *
 * File layout: a text header of HEADER_BYTES (a magic line, then one JSON line, padded
 * with spaces) followed by count x height x width x channels bytes, NHWC.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Preprocessing } from '../../shared/preprocessing';
import { PruneLensError, errorText, throwIfCancelled } from '../util/errors';
import type { LongTaskOptions, ProgressCallback } from '../util/progress';
import { tryLock, waitWhileLocked, type BuildLock } from './buildLock';
import { decodeImage } from './decode';

const MAGIC = 'prunelens-image-cache 1\n';
const HEADER_BYTES = 4096;
const EXTENSION = '.plimages';

/** What a cache file's JSON header says. */
export interface CacheHeader {
  readonly key: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** sha256 over the per-image sha256 digests of the pixels, in order (the content's identity). */
  readonly digest: string;
  readonly created: string;
}

export interface CachedImages extends CacheHeader {
  readonly file: string;
  /** Where the pixels start. */
  readonly dataOffset: number;
  /** True when this call decoded the images; false when it found them cached. */
  readonly built: boolean;
}

export type CacheGeometry = Pick<Preprocessing, 'resize' | 'crop' | 'channels'>;

export interface CacheRequest extends LongTaskOptions {
  /** The folder the files come from (caches of one folder, geometry and sample replace each other). */
  readonly root: string;
  /** Which sample of the folder, e.g. "limit 500" ("" for all of it). */
  readonly sample?: string;
  readonly files: readonly string[];
  readonly geometry: CacheGeometry;
  readonly cacheDir: string;
  /** Images decoded at once (default: the machine's cores, at least 4). */
  readonly concurrency?: number;
}

/**
 * Where caches live unless --cache-dir says otherwise: $PRUNELENS_CACHE_DIR, else the
 * platform's cache folder (~/.cache or $XDG_CACHE_HOME on Linux, ~/Library/Caches on
 * macOS, %LOCALAPPDATA% on Windows) + prunelens/images. Deleting it is always safe.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['PRUNELENS_CACHE_DIR']) return env['PRUNELENS_CACHE_DIR'];
  const home = os.homedir();
  const base =
    platform === 'win32' ? (env['LOCALAPPDATA'] ?? path.join(home, 'AppData', 'Local'))
    : platform === 'darwin' ? path.join(home, 'Library', 'Caches')
    : (env['XDG_CACHE_HOME'] ?? path.join(home, '.cache'));
  return path.join(base, 'prunelens', 'images');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The family (folder + geometry + sample) and the key (that + every file's path, size and mtime). */
export function cacheNames(req: Pick<CacheRequest, 'root' | 'files' | 'geometry' | 'sample'>): { family: string; key: string } {
  const geometry = JSON.stringify({ resize: req.geometry.resize ?? null, crop: req.geometry.crop, channels: req.geometry.channels });
  const family = sha256(`${path.resolve(req.root)}\n${geometry}\n${req.sample ?? ''}`).slice(0, 16);
  const hash = createHash('sha256').update(`${MAGIC}${geometry}\n`);
  for (const file of req.files) {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) throw new PruneLensError('image file not found (was it removed while listing?)', file);
    hash.update(`${path.resolve(file)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return { family, key: hash.digest('hex') };
}

function readHeader(file: string): CacheHeader | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(HEADER_BYTES);
    const got = fs.readSync(fd, head, 0, HEADER_BYTES, 0);
    const text = head.subarray(0, got).toString('utf8');
    if (!text.startsWith(MAGIC)) return undefined;
    const header = JSON.parse(text.slice(MAGIC.length, text.indexOf('\n', MAGIC.length))) as CacheHeader;
    const size = fs.fstatSync(fd).size;
    return size === HEADER_BYTES + header.count * header.height * header.width * header.channels ? header : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Deletes the other caches of `family` (older file lists of the same folder, geometry and sample). */
function removeSiblings(dir: string, family: string, keep: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(`${family}-`) && name.endsWith(EXTENSION) && path.join(dir, name) !== keep) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Decodes every file into `tmp`; resolves to the content digest. */
async function decodeAll(req: CacheRequest, tmp: string, perImage: number): Promise<string> {
  const handle = await fs.promises.open(tmp, 'w');
  const digests = new Array<Buffer>(req.files.length);
  const total = req.files.length;
  let next = 0;
  let done = 0;
  let failed = false;
  const step = Math.max(1, Math.floor(total / 200));
  const work = async (): Promise<void> => {
    while (!failed && next < total) {
      throwIfCancelled(req.signal);
      const i = next++;
      const pixels = await decodeImage(req.files[i] as string, req.geometry);
      if (pixels.length !== perImage) throw new Error(`internal: ${req.files[i]} decoded to ${pixels.length} bytes, not ${perImage}`);
      await handle.write(pixels, 0, perImage, HEADER_BYTES + i * perImage);
      digests[i] = createHash('sha256').update(pixels).digest();
      done++;
      if (done % step === 0 || done === total) req.onProgress?.({ stage: 'decode images', done, total });
    }
  };
  try {
    const workers = Math.max(1, Math.min(total, req.concurrency ?? Math.max(4, os.availableParallelism())));
    // Every worker settles before the file is closed; the first failure stops the others.
    const settled = await Promise.allSettled(Array.from({ length: workers }, () => work().catch((e: unknown) => ((failed = true), Promise.reject(e)))));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const digest = createHash('sha256');
    for (const d of digests) digest.update(d);
    return digest.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Decodes the files into `file` (through a temporary file renamed when complete). */
async function build(req: CacheRequest, file: string, key: string, family: string, lock: BuildLock): Promise<CachedImages> {
  const [height, width] = req.geometry.crop;
  const channels = req.geometry.channels === 'grey' ? 1 : 3;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const onProgress: ProgressCallback = (e) => {
      lock.touch();
      req.onProgress?.(e);
    };
    const digest = await decodeAll({ ...req, onProgress }, tmp, height * width * channels);
    const header: CacheHeader = { key, count: req.files.length, height, width, channels, digest, created: new Date().toISOString() };
    const text = `${MAGIC}${JSON.stringify(header)}\n`;
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.writeSync(fd, Buffer.from(text.padEnd(HEADER_BYTES, ' ')), 0, HEADER_BYTES, 0);
      fs.ftruncateSync(fd, HEADER_BYTES + req.files.length * height * width * channels);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    removeSiblings(req.cacheDir, family, file);
    return { ...header, file, dataOffset: HEADER_BYTES, built: true };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The cache of `req.files`, built (in parallel) when there is none yet. When another
 * process is building the same cache, waits for it rather than decoding everything again.
 */
export async function ensureImageCache(req: CacheRequest): Promise<CachedImages> {
  const { family, key } = cacheNames(req);
  const file = path.join(req.cacheDir, `${family}-${key.slice(0, 32)}${EXTENSION}`);
  const cached = (): CachedImages | undefined => {
    const found = readHeader(file);
    return found !== undefined && found.key === key ? { ...found, file, dataOffset: HEADER_BYTES, built: false } : undefined;
  };
  try {
    fs.mkdirSync(req.cacheDir, { recursive: true });
  } catch (e) {
    throw new PruneLensError(`cannot create the image cache folder (${errorText(e)}); choose another with --cache-dir`, req.cacheDir);
  }
  const lockFile = `${file}.lock`;
  for (;;) {
    const found = cached();
    if (found !== undefined) return found;
    const lock = tryLock(lockFile);
    if (lock === undefined) {
      req.onProgress?.({ stage: 'wait for another process decoding images', done: 0, total: req.files.length });
      await waitWhileLocked(lockFile, () => cached() !== undefined, req.signal);
      continue;
    }
    try {
      // Another process may have finished between the look and the lock.
      return cached() ?? (await build(req, file, key, family, lock));
    } finally {
      lock.release();
    }
  }
}
