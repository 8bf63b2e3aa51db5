import { convParams } from '../../core/models/naming';
import { UsageError } from '../../core/util/errors';
import { bool, onePositional, str, type CommandSpec } from '../args';
import { MODEL_HELP, ZOO_OPTIONS, openModel } from '../common';
import type { CliContext } from '../context';

export function paramsCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'params',
    usage: 'params MODEL [--filter TEXT | --regex RE] [--json]',
    summary: `List the conv weight params (name, kernel shape, output channels), as the seed's step 6 does. ${MODEL_HELP}.`,
    options: {
      filter: { type: 'string', value: 'TEXT', help: 'keep params whose name contains TEXT (e.g. _sep_weights)' },
      regex: { type: 'string', value: 'RE', help: 'keep params whose name matches the regular expression RE' },
      json: { type: 'boolean', help: 'print JSON' },
      ...ZOO_OPTIONS,
    },
    async run(args) {
      const model = await openModel(onePositional(args, spec, 'MODEL'), args);
      const filter = str(args, 'filter');
      const regex = str(args, 'regex');
      if (filter !== undefined && regex !== undefined) throw new UsageError('params: give --filter or --regex, not both');
      let pattern: string | RegExp | undefined = filter;
      if (regex !== undefined) {
        try {
          pattern = new RegExp(regex);
        } catch (e) {
          throw new UsageError(`--regex: ${(e as Error).message}`);
        }
      }
      const params = convParams(model, pattern);
      if (bool(args, 'json')) {
        ctx.log(JSON.stringify(params.map((p) => ({ name: p.name, layer: p.layerName, shape: p.shape, outChannels: p.outChannels })), null, 2));
        return;
      }
      const width = Math.max(4, ...params.map((p) => p.name.length));
      ctx.log(`${'name'.padEnd(width)}  ${'kernel shape'.padEnd(18)}  out channels`);
      for (const p of params) ctx.log(`${p.name.padEnd(width)}  ${p.shape.join('x').padEnd(18)}  ${p.outChannels ?? ''}`);
      ctx.log(`${params.length} param${params.length === 1 ? '' : 's'}`);
    },
  };
  return spec;
}
