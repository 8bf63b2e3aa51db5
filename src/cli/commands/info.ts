import { describeJob } from '../../core/jobs/describeJob';
import { bool, onePositional, type CommandSpec } from '../args';
import { MODEL_HELP, MODEL_OPTIONS, modelSource } from '../common';
import type { CliContext } from '../context';
import { cliJob } from '../jobEvents';
import { summaryTable } from '../modelFactsText';

export function infoCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'info',
    usage: 'info MODEL [--all-layers] [--json]',
    summary: `Show layers, output shapes, parameter counts and multiply-accumulates per image. ${MODEL_HELP}.`,
    options: {
      'all-layers': { type: 'boolean', help: "count MACs of pooling, BN and activations too (PaddleSlim's only_conv=False)" },
      json: { type: 'boolean', help: 'print JSON' },
      ...MODEL_OPTIONS,
    },
    async run(args) {
      const facts = await describeJob({ kind: 'describe', ...modelSource(onePositional(args, spec, 'MODEL'), args), allLayers: bool(args, 'all-layers') }, cliJob(ctx, {}));
      if (bool(args, 'json')) ctx.log(JSON.stringify(facts, null, 2));
      else for (const line of summaryTable(facts)) ctx.log(line);
    },
  };
  return spec;
}
