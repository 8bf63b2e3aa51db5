import { mergeJob } from '../../core/jobs/mergeJob';
import { UsageError } from '../../core/util/errors';
import { bool, str, type CommandSpec } from '../args';
import type { CliContext } from '../context';
import { cliJob, printResult } from '../jobEvents';

export function mergeCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'merge',
    usage: 'merge A.json B.json ... -o OUT.json [--force] [--partial]',
    summary:
      "Merge sensitivity results files, e.g. the shards of a parallel scan (PaddleSlim's merge_sensitive: a union, later files win). " +
      'Files measured on different models, datasets, metrics or criteria are refused unless --force; an incomplete shard set (by the plan in its shard files) unless --partial.',
    options: {
      out: { type: 'string', short: 'o', value: 'FILE', help: 'merged results file to write (may be one of the inputs)' },
      force: { type: 'boolean', help: 'merge even if the files were measured on different models, datasets, metrics or criteria' },
      partial: { type: 'boolean', help: 'write an incomplete shard set anyway (a shard file or planned points missing), marked partial in its metadata' },
    },
    async run(args) {
      const files = args.positionals;
      const out = str(args, 'out');
      if (files.length === 0) throw new UsageError(`merge: give the results files to merge\nUsage: prunelens ${spec.usage}`);
      if (out === undefined) throw new UsageError('merge: -o OUT.json is required');
      const run = cliJob(ctx, {});
      printResult(await mergeJob({ kind: 'merge', inputs: files, output: out, force: bool(args, 'force'), partial: bool(args, 'partial') }, run), ctx);
    },
  };
  return spec;
}
