/**
 * The image files of a folder, in the layout torchvision's ImageFolder and Keras'
 * image_dataset_from_directory read: one subfolder per class (searched recursively),
 * class indices from the sorted subfolder names, or from a classes file (one name per
 * line, line n = class n) when the model's class order differs. A folder with images and
 * no subfolders is an unlabelled set. Files are listed in a fixed order (class, then path)
 * so the same folder always gives the same dataset; files of other types are left out,
 * as those libraries do, and hidden files and folders too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PruneLensError, UsageError, errorText } from '../util/errors';

/** File extensions read as images (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff'];

export interface ImageFileList {
  readonly root: string;
  /** Absolute paths, by class and then by path. */
  readonly files: readonly string[];
  /** Class index of each file (all 0 when unlabeled). */
  readonly labels: Int32Array;
  /** Class names by index (the classes file's lines, or the sorted folder names). */
  readonly classNames: readonly string[];
  readonly unlabeled: boolean;
}

export function isImageFile(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

function entries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  } catch (e) {
    throw new PruneLensError(`cannot list folder (${errorText(e)})`, dir);
  }
}

function isDir(dir: string, e: fs.Dirent): boolean {
  return e.isDirectory() || (e.isSymbolicLink() && fs.statSync(path.join(dir, e.name), { throwIfNoEntry: false })?.isDirectory() === true);
}

/** Sorted by code unit, as Python's sorted() orders folder names. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every image under `dir`, recursively, sorted by path. */
function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of entries(dir).sort((a, b) => byName(a.name, b.name))) {
    const full = path.join(dir, e.name);
    if (isDir(dir, e)) out.push(...imagesUnder(full));
    else if (isImageFile(e.name)) out.push(full);
  }
  return out;
}

/** The names of a classes file, one per line; blank lines at the end are ignored. */
export function readClassesFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the classes file (${errorText(e)})`);
  }
  const names = text.replace(/\s+$/, '').split(/\r?\n/).map((l) => l.trim());
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') throw new PruneLensError(`line ${i + 1} is empty: every line names one class`, file);
    const first = seen.get(name);
    if (first !== undefined) throw new PruneLensError(`class "${name}" is on lines ${first + 1} and ${i + 1}`, file);
    seen.set(name, i);
  });
  return names;
}

export interface ListOptions {
  /** The classes file (--classes FILE); default: the sorted subfolder names. */
  readonly classesFile?: string;
  /** The model's class count, checked against the classes. */
  readonly numClasses: number;
}

/** The images of `dir` with their labels; every problem names the folder or file it is in. */
export function listImageFolder(dir: string, opts: ListOptions): ImageFileList {
  const root = path.resolve(dir);
  const all = entries(root);
  const classDirs = all.filter((e) => isDir(root, e)).map((e) => e.name).sort(byName);
  const loose = all.filter((e) => !isDir(root, e) && isImageFile(e.name)).map((e) => e.name);
  if (classDirs.length === 0) {
    if (loose.length === 0) throw new PruneLensError(`holds no images (${IMAGE_EXTENSIONS.join(', ')}) and no class subfolders`, root);
    return { root, files: loose.sort(byName).map((n) => path.join(root, n)), labels: new Int32Array(loose.length), classNames: [], unlabeled: true };
  }
  if (loose.length > 0) {
    throw new PruneLensError(`holds class subfolders and also ${loose.length} image${loose.length > 1 ? 's' : ''} beside them (e.g. ${loose[0]}): move them into a class folder`, root);
  }
  const classNames = opts.classesFile !== undefined ? readClassesFile(opts.classesFile) : classDirs;
  if (classNames.length !== opts.numClasses) {
    const what = opts.classesFile !== undefined ? `names ${classNames.length} classes` : `has ${classNames.length} class folders (${classNames.slice(0, 5).join(', ')}${classNames.length > 5 ? ', ...' : ''})`;
    const hint = opts.classesFile !== undefined ? '' : '; give --classes FILE (one class name per line, in the model\'s order) to map folders to its classes';
    throw new PruneLensError(`${what} but the model has ${opts.numClasses} outputs${hint}`, opts.classesFile ?? root);
  }
  const index = new Map(classNames.map((n, i) => [n, i]));
  const files: string[] = [];
  const labels: number[] = [];
  const perClass = classDirs.map((name) => {
    const label = index.get(name);
    if (label === undefined) throw new PruneLensError(`class folder "${name}" is not named in the classes file ${opts.classesFile ?? ''}`, path.join(root, name));
    const images = imagesUnder(path.join(root, name));
    if (images.length === 0) throw new PruneLensError(`class folder holds no images (${IMAGE_EXTENSIONS.join(', ')})`, path.join(root, name));
    return { label, images };
  });
  for (const { label, images } of perClass.sort((a, b) => a.label - b.label)) {
    files.push(...images);
    for (let i = 0; i < images.length; i++) labels.push(label);
  }
  return { root, files, labels: Int32Array.from(labels), classNames, unlabeled: false };
}

/** The sub-list of `list` at `indices` (ascending), for --limit. */
export function pickFiles(list: ImageFileList, indices: Uint32Array): ImageFileList {
  return { ...list, files: Array.from(indices, (i) => list.files[i] as string), labels: Int32Array.from(indices, (i) => list.labels[i] as number) };
}
