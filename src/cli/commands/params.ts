import { describeJob } from '../../core/jobs/describeJob';
import { UsageError } from '../../core/util/errors';
import { parseParamFilter } from '../../shared/vocabulary';
import { bool, onePositional, str, type CommandSpec } from '../args';
import { MODEL_HELP, ZOO_OPTIONS, modelSource } from '../common';
import type { CliContext } from '../context';
import { cliJob } from '../jobEvents';
import { counted } from '../../shared/format';

function matches(name: string, filter: string | RegExp | undefined): boolean {
  if (filter === undefined) return true;
  return typeof filter === 'string' ? name.includes(filter) : filter.test(name);
}

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
      const filterText = str(args, 'filter');
      const regex = str(args, 'regex');
      if (filterText !== undefined && regex !== undefined) throw new UsageError('params: give --filter or --regex, not both');
      let filter: string | RegExp | undefined = filterText;
      if (regex !== undefined) {
        try {
          filter = parseParamFilter(`/${regex}/`);
        } catch (e) {
          throw new UsageError(`--regex: ${(e as Error).message}`);
        }
      }
      const facts = await describeJob({ kind: 'describe', ...modelSource(onePositional(args, spec, 'MODEL'), args) }, cliJob(ctx, {}));
      const params = facts.params.filter((p) => p.analysable && matches(p.name, filter));
      if (bool(args, 'json')) {
        ctx.log(JSON.stringify(params.map((p) => ({ name: p.name, layer: p.layer, shape: p.shape, outChannels: p.outChannels })), null, 2));
        return;
      }
      const width = Math.max(4, ...params.map((p) => p.name.length));
      ctx.log(`${'name'.padEnd(width)}  ${'kernel shape'.padEnd(18)}  out channels`);
      for (const p of params) ctx.log(`${p.name.padEnd(width)}  ${p.shape.join('x').padEnd(18)}  ${p.outChannels ?? ''}`);
      ctx.log(counted(params.length, 'param'));
    },
  };
  return spec;
}
