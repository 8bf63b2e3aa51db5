import { describeJob } from '../../core/jobs/describeJob';
import { bool, onePositional, type CommandSpec } from '../args';
import { MODEL_HELP, MODEL_OPTIONS, modelSource } from '../common';
import type { CliContext } from '../context';
import { cliJob } from '../jobEvents';
import { macsTable } from '../modelFactsText';

export function flopsCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'flops',
    usage: 'flops MODEL [--detail] [--all-layers] [--json]',
    summary: `Count multiply-accumulates per image as PaddleSlim's flops() does (convs and Dense by default) and parameters. ${MODEL_HELP}.`,
    options: {
      detail: { type: 'boolean', help: 'also list MACs per parameter (layer)' },
      'all-layers': { type: 'boolean', help: "count pooling, BN and activations too (PaddleSlim's only_conv=False)" },
      json: { type: 'boolean', help: 'print JSON' },
      ...MODEL_OPTIONS,
    },
    async run(args) {
      const onlyConv = !bool(args, 'all-layers');
      const facts = await describeJob({ kind: 'describe', ...modelSource(onePositional(args, spec, 'MODEL'), args), allLayers: !onlyConv }, cliJob(ctx, {}));
      if (bool(args, 'json')) {
        const layers = facts.layers.filter((l) => l.macs > 0).map((l) => ({ layer: l.name, param: l.kernelParam ?? null, className: l.className, macs: l.macs }));
        ctx.log(JSON.stringify({ onlyConv, macs: facts.totalMacs, params: facts.totalParams, ...(bool(args, 'detail') ? { layers } : {}) }, null, 2));
        return;
      }
      if (bool(args, 'detail')) for (const line of macsTable(facts)) ctx.log(line);
      ctx.log(`MACs per image: ${facts.totalMacs} (${onlyConv ? 'conv and dense only' : 'all layers'}); params: ${facts.totalParams}`);
    },
  };
  return spec;
}
