import { mergeResultFiles } from '../../core/sensitivity/merge';
import { writeResults } from '../../core/sensitivity/resultsFile';
import { UsageError } from '../../core/util/errors';
import { bool, str, type CommandSpec } from '../args';
import type { CliContext } from '../context';

export function mergeCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'merge',
    usage: 'merge A.json B.json ... -o OUT.json [--force]',
    summary:
      "Merge sensitivity results files, e.g. the shards of a parallel scan (PaddleSlim's merge_sensitive: a union, later files win). " +
      'Files measured on different models, datasets, metrics or criteria are refused unless --force.',
    options: {
      out: { type: 'string', short: 'o', value: 'FILE', help: 'merged results file to write (may be one of the inputs)' },
      force: { type: 'boolean', help: 'merge even if the files were measured on different models, datasets, metrics or criteria' },
    },
    async run(args) {
      const files = args.positionals;
      const out = str(args, 'out');
      if (files.length === 0) throw new UsageError(`merge: give the results files to merge\nUsage: prunelens ${spec.usage}`);
      if (out === undefined) throw new UsageError('merge: -o OUT.json is required');
      const { results, warnings } = await mergeResultFiles(files, { force: bool(args, 'force') });
      for (const w of warnings) ctx.log(`warning: ${w}`);
      await writeResults(out, results);
      const points = Object.values(results.points).reduce((n, t) => n + Object.keys(t).length, 0);
      ctx.log(`merged ${files.length} file${files.length === 1 ? '' : 's'}: ${Object.keys(results.params).length} params, ${points} points -> ${out}`);
    },
  };
  return spec;
}
