/**
 * `npm run package`: the .vsix for one platform (this one unless `--target` names
 * another, e.g. `--target win32-x64`). .vscodeignore is an allow-list; ONNX Runtime's npm
 * package carries its native addon for five platforms (about 290 MB together), and the
 * target's folder alone is added to that list here, so vsce stamps the target and the
 * marketplace offers each platform its own file. The package's README is the user-facing
 * README.extension.md (the repository's README.md is for developers).
 * Prints where the file is, its size and file count, and fails when it is over the budget.
 * Options: --out FILE, --target PLATFORM-ARCH.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipEntries, type ZipEntry } from './zipEntries';

const ROOT = path.join(__dirname, '..');

/** The most a platform's .vsix may weigh: most of it is ONNX Runtime and the built-in digits. */
export const SIZE_BUDGET_BYTES = 25 * 1024 * 1024;

/** The README the extension page shows. */
export const EXTENSION_README = 'README.extension.md';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** The .vscodeignore line that lets the target's ONNX Runtime binaries in (onnxruntime-node/bin/napi-v6/linux/x64/...). */
export function ortBinariesFor(target: string): string {
  const [platform, arch] = target.split('-');
  return `!node_modules/onnxruntime-node/bin/*/${platform}/${arch}/**`;
}

export interface Packaged {
  readonly file: string;
  readonly bytes: number;
  /** The files inside, as the zip names them (`extension/dist/worker.js`, `extension.vsixmanifest`). */
  readonly entries: readonly ZipEntry[];
}

export function packageVsix(opts: { target?: string; out?: string } = {}): Packaged {
  const target = opts.target ?? `${process.platform}-${process.arch}`;
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const out = path.resolve(opts.out ?? path.join(ROOT, `${pkg.name}-${pkg.version}-${target}.vsix`));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-package-'));
  try {
    const ignoreFile = path.join(tmp, '.vscodeignore');
    const base = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    fs.writeFileSync(ignoreFile, `${base}\n${ortBinariesFor(target)}\n`);
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    // The README's pictures are relative links to files inside the package, which VS Code
    // shows from the installed extension; there is no public repository to rewrite them to.
    const args = ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--readme-path', EXTENSION_README, '--allow-missing-repository', '--no-rewrite-relative-links'];
    execFileSync(process.execPath, [vsce, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { file: out, bytes: fs.statSync(out).size, entries: zipEntries(out) };
}

/**
 * The packages a bundle loads at run time: its `require("x")` and `import("x")` of
 * anything that is not built into Node (esbuild writes both with double quotes).
 */
export function externalRequires(bundleSource: string): string[] {
  const names = [...bundleSource.matchAll(/\brequire\("([^"]+)"\)|\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2] ?? '');
  return [...new Set(names)].filter((n) => n !== '' && !isBuiltin(n)).sort();
}

export function describePackage(p: Packaged): string {
  const unpacked = p.entries.reduce((n, e) => n + e.bytes, 0);
  return `${(p.bytes / 1024 / 1024).toFixed(1)} MB, ${p.entries.length} files (${(unpacked / 1024 / 1024).toFixed(0)} MB unpacked)`;
}

if (require.main === module) {
  const target = option('target');
  const out = option('out');
  const packaged = packageVsix({ ...(target ? { target } : {}), ...(out ? { out } : {}) });
  console.log(`${path.relative(process.cwd(), packaged.file)}: ${describePackage(packaged)}`);
  if (packaged.bytes > SIZE_BUDGET_BYTES) {
    console.error(`over the budget of ${SIZE_BUDGET_BYTES / 1024 / 1024} MB`);
    process.exitCode = 1;
  }
}
