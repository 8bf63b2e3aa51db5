/**
 * What the Slurm and Kubernetes generators share: the scan every task runs (one command
 * line, `--shard auto`, the index from the engine) and the merge that follows it. Both are
 * command lines of `prunelens` itself, so a task on a cluster node does exactly what
 * `--shard i/N` does by hand, and the merge refuses an incomplete set unless told otherwise.
 */
import { stem } from '../sensitivity/shardFiles';
import { UsageError } from '../util/errors';
import { shellLine, shellQuote } from './shell';

export interface ClusterScan {
  /** The model (a model.json on the shared volume, or zoo:NAME), as the tasks see it. */
  readonly model: string;
  /** A folder of IDX files on the shared volume; absent: the built-in digits. */
  readonly data?: string;
  /** The results file on the shared volume; shard files are written beside it. */
  readonly file: string;
  readonly shards: number;
  /** Further `prunelens sensitivity` options (--params, --ratios, --engine, ...). */
  readonly scanArgs: readonly string[];
  /** The command that runs prunelens where the tasks run, as words (e.g. ["node", "/opt/prunelens/dist/cli.js"]). */
  readonly prunelens: readonly string[];
  /** ONNX Runtime threads per task: the cores each task is given. */
  readonly threads: number;
}

/** Options the generated command sets itself, so they may not come in scanArgs. */
const SET_HERE = ['file', 'data', 'shard', 'shards', 'workers', 'threads'];

/** Refuses scan options that the generators set, and words that are not options. */
export function checkScanArgs(scanArgs: readonly string[]): void {
  const first = scanArgs[0];
  if (first !== undefined && !first.startsWith('-')) throw new UsageError(`the scan options after "--" must start with an option, e.g. --params; got "${first}"`);
  for (const word of scanArgs) {
    const name = /^--([^=]+)/.exec(word)?.[1];
    if (name !== undefined && SET_HERE.includes(name)) throw new UsageError(`--${name} is set by the generated job itself; give it to "prunelens cluster" (model, --file, --data, --shards, --cpus), not after "--"`);
  }
}

export function checkShards(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1) throw new UsageError(`--shards must be a whole number >= 1, got ${shards}`);
}

/** The words of one task's scan. */
export function scanArgv(scan: ClusterScan): string[] {
  return [
    ...scan.prunelens,
    'sensitivity',
    scan.model,
    '--file',
    scan.file,
    ...(scan.data !== undefined ? ['--data', scan.data] : []),
    '--shard',
    'auto',
    '--shards',
    String(scan.shards),
    '--threads',
    String(scan.threads),
    ...scan.scanArgs,
  ];
}

/**
 * POSIX shell lines that merge the results file (when there is one: it goes first, so the
 * shards' points win) and every shard file of this split into the results file, then print
 * its status. Written for `sh` so that any image has what it needs.
 */
export function mergeShellLines(scan: ClusterScan): string[] {
  const file = shellQuote(scan.file);
  const glob = `${shellQuote(stem(scan.file))}.shard-*-of-${scan.shards}.json`;
  return [
    'set --',
    `if [ -e ${file} ]; then set -- ${file}; fi`,
    `for shard in ${glob}; do`,
    '  if [ -e "$shard" ]; then set -- "$@" "$shard"; fi',
    'done',
    `${shellLine(scan.prunelens)} merge "$@" -o ${file}`,
    `${shellLine(scan.prunelens)} status ${file}`,
  ];
}
