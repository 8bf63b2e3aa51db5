/**
 * `prunelens`: the command-line face of the core. Exit codes: 0 ok, 1 failed, 2 bad usage.
 */
import { commandHelp, parseCommandArgs, type CommandSpec } from './args';
import type { CliContext } from './context';
import { clusterCommand } from './commands/cluster';
import { demoCommand } from './commands/demo';
import { evalCommand } from './commands/eval';
import { flopsCommand } from './commands/flops';
import { infoCommand } from './commands/info';
import { mergeCommand } from './commands/merge';
import { paramsCommand } from './commands/params';
import { plotCommand } from './commands/plot';
import { pruneCommand } from './commands/prune';
import { ratiosCommand } from './commands/ratios';
import { sensitivityCommand } from './commands/sensitivity';
import { statusCommand } from './commands/status';
import { trainCommand } from './commands/train';
import { quietTfjs } from '../core/backend';
import { CancelledError, PruneLensError, UsageError } from '../core/util/errors';
import { internalErrorReport } from '../core/util/internalError';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function commands(ctx: CliContext): CommandSpec[] {
  return [demoCommand(ctx), trainCommand(ctx), evalCommand(ctx), paramsCommand(ctx), infoCommand(ctx), flopsCommand(ctx), pruneCommand(ctx), sensitivityCommand(ctx), mergeCommand(ctx), statusCommand(ctx), clusterCommand(ctx), ratiosCommand(ctx), plotCommand(ctx)];
}

function topHelp(specs: CommandSpec[]): string {
  const lines = ['Usage: prunelens COMMAND [options]', '', 'Channel-pruning sensitivity analysis for CNNs.', '', 'Commands:'];
  for (const s of specs) lines.push(`  ${s.name.padEnd(12)} ${s.summary.split('. ')[0]}`);
  lines.push('', 'Run "prunelens COMMAND --help" for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  const specs = commands(ctx);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.log(topHelp(specs));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const spec = specs.find((s) => s.name === name);
  try {
    if (!spec) throw new UsageError(`unknown command "${name}"\n\n${topHelp(specs)}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.log(commandHelp(spec));
      return EXIT_OK;
    }
    await spec.run(parseCommandArgs(spec, rest));
    return EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`prunelens: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof CancelledError) {
      process.stderr.write('prunelens: cancelled\n');
      return EXIT_FAILED;
    }
    if (e instanceof PruneLensError) {
      process.stderr.write(`prunelens: error: ${e.message}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`prunelens: ${internalErrorReport(e)}\n`);
    return EXIT_FAILED;
  }
}

if (require.main === module) {
  quietTfjs();
  // `prunelens params M | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const controller = new AbortController();
  // The first Ctrl-C asks the running step to stop at its next batch; a second one exits.
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to exit now)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  void main(process.argv.slice(2), { log: (line) => process.stdout.write(`${line}\n`), signal: controller.signal }).then((code) => {
    process.exitCode = code;
  });
}
