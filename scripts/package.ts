/**
 * `npm run package`: the .vsix for one platform (this one unless `--target` names
 * another, e.g. `--target win32-x64`). ONNX Runtime's npm package carries its native
 * addon for five platforms (about 290 MB together); a platform's package needs only its
 * own, so the others are left out here on top of .vscodeignore, and vsce stamps the
 * target so that the marketplace offers each platform its own file.
 * Prints where the file is and its size. Options: --out FILE, --target PLATFORM-ARCH.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const ORT_PLATFORMS = ['linux', 'darwin', 'win32'];
const ORT_ARCHS = ['x64', 'arm64'];

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** .vscodeignore lines that drop every ONNX Runtime binary but the target's. */
function otherOrtBinaries(target: string): string[] {
  const [platform, arch] = target.split('-');
  return ORT_PLATFORMS.flatMap((p) => ORT_ARCHS.filter((a) => p !== platform || a !== arch).map((a) => `node_modules/onnxruntime-node/bin/*/${p}/${a}/**`));
}

export function packageVsix(opts: { target?: string; out?: string } = {}): { file: string; bytes: number } {
  const target = opts.target ?? `${process.platform}-${process.arch}`;
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const out = path.resolve(opts.out ?? path.join(ROOT, `${pkg.name}-${pkg.version}-${target}.vsix`));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-package-'));
  try {
    const ignoreFile = path.join(tmp, '.vscodeignore');
    const base = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    fs.writeFileSync(ignoreFile, `${base}\n${otherOrtBinaries(target).join('\n')}\n`);
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    // The README's images are relative links into the repository, which has no public URL
    // to rewrite them against; the .vsix is installed from a file, so they stay as they are.
    const args = ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'];
    execFileSync(process.execPath, [vsce, ...args], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { file: out, bytes: fs.statSync(out).size };
}

if (require.main === module) {
  const target = option('target');
  const out = option('out');
  const { file, bytes } = packageVsix({ ...(target ? { target } : {}), ...(out ? { out } : {}) });
  console.log(`${path.relative(process.cwd(), file)}: ${(bytes / 1024 / 1024).toFixed(1)} MB`);
}
