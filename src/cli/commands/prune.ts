import { pruneJob } from '../../core/jobs/pruneJob';
import { UsageError } from '../../core/util/errors';
import type { PruneRatiosSpec } from '../../shared/jobs';
import { CRITERIA } from '../../shared/vocabulary';
import { bool, choice, int, onePositional, str, type CommandSpec, type ParsedArgs } from '../args';
import { MODEL_HELP, MODEL_OPTIONS, modelSource } from '../common';
import type { CliContext } from '../context';
import { cliJob, printResult } from '../jobEvents';

/** `--ratio NAME=R`, repeatable; each name once. */
function ratioFlags(values: readonly string[]): Record<string, number> {
  const ratios: Record<string, number> = {};
  for (const text of values) {
    const at = text.lastIndexOf('=');
    const name = text.slice(0, at).trim();
    const value = text.slice(at + 1).trim();
    if (at <= 0 || value === '' || !Number.isFinite(Number(value))) throw new UsageError(`--ratio must be NAME=R with R a number, got "${text}"`);
    if (name in ratios) throw new UsageError(`--ratio names '${name}' twice`);
    ratios[name] = Number(value);
  }
  return ratios;
}

function ratiosFrom(args: ParsedArgs): PruneRatiosSpec {
  const file = str(args, 'ratios');
  const flags = (args.values['ratio'] as string[] | undefined) ?? [];
  if ((file === undefined) === (flags.length === 0)) throw new UsageError('prune: give either --ratios FILE or one or more --ratio NAME=R');
  return file !== undefined ? { file } : { values: ratioFlags(flags) };
}

export function pruneCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'prune',
    usage: 'prune MODEL (--ratios FILE | --ratio NAME=R ...) [--criterion C] [--round-to K] --out DIR',
    summary: `Remove channels physically and write the pruned model in its own format (TF.js Layers, or ONNX with the source's input and output names) with pruning-plan.json. ${MODEL_HELP}.`,
    options: {
      ratios: { type: 'string', value: 'FILE', help: 'JSON {param: ratio} or {"ratios": {param: ratio}}' },
      ratio: { type: 'string', value: 'NAME=R', multiple: true, help: 'prune parameter NAME by ratio R in [0, 1); repeatable' },
      criterion: { type: 'string', value: 'C', default: 'l1_norm', help: `channel importance: ${CRITERIA.join(', ')}` },
      'round-to': { type: 'string', value: 'K', help: 'keep a multiple of K channels in every pruned group' },
      out: { type: 'string', value: 'DIR', help: 'folder to write (new, or empty; a symbolic link to one or a mount point is written into)' },
      overwrite: { type: 'boolean', help: 'write into an --out folder that has files: its model files (model.json and weights, or the .onnx file) and pruning-plan.json are replaced, other files kept' },
      'keep-quantization': { type: 'boolean', help: 'write each weight quantized as the source model stored it (uint8, uint16, float16); default: float32' },
      'all-layers': { type: 'boolean', help: 'count MACs of pooling, BN and activations too' },
      json: { type: 'boolean', help: 'print JSON' },
      ...MODEL_OPTIONS,
    },
    async run(args) {
      const model = modelSource(onePositional(args, spec, 'MODEL'), args);
      const out = str(args, 'out');
      if (out === undefined) throw new UsageError('prune: --out DIR is required');
      const run = cliJob(ctx, {});
      const { result, plan, flops, written } = await pruneJob(
        {
          kind: 'prune',
          ...model,
          output: out,
          ratios: ratiosFrom(args),
          criterion: choice(args, 'criterion', CRITERIA) ?? 'l1_norm',
          roundTo: int(args, 'round-to') ?? 1,
          allLayers: bool(args, 'all-layers'),
          keepQuantization: bool(args, 'keep-quantization'),
          ...(bool(args, 'overwrite') ? { overwrite: true } : {}),
        },
        run,
      );
      run.events.finish();
      if (bool(args, 'json')) {
        ctx.log(JSON.stringify({ out: written.dir, groups: plan.groups.map((g) => ({ id: g.id, channels: g.channels, kept: g.kept.length })), flops: { before: flops.before, after: flops.after } }, null, 2));
        return;
      }
      printResult(result, ctx);
    },
  };
  return spec;
}
