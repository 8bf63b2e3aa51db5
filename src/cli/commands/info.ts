import { formatSummary, summarizeModel } from '../../core/models/summary';
import { bool, onePositional, type CommandSpec } from '../args';
import { MODEL_HELP, ZOO_OPTIONS, openModel } from '../common';
import type { CliContext } from '../context';

export function infoCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'info',
    usage: 'info MODEL [--all-layers] [--json]',
    summary: `Show layers, output shapes, parameter counts and multiply-accumulates per image. ${MODEL_HELP}.`,
    options: {
      'all-layers': { type: 'boolean', help: "count MACs of pooling, BN and activations too (PaddleSlim's only_conv=False)" },
      json: { type: 'boolean', help: 'print JSON' },
      ...ZOO_OPTIONS,
    },
    async run(args) {
      const model = await openModel(onePositional(args, spec, 'MODEL'), args);
      const summary = summarizeModel(model, { onlyConv: !bool(args, 'all-layers') });
      ctx.log(bool(args, 'json') ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    },
  };
  return spec;
}
