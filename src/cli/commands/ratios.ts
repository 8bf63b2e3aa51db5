import { ratiosJob } from '../../core/jobs/ratiosJob';
import { UsageError } from '../../core/util/errors';
import type { RatiosRuleSpec } from '../../shared/jobs';
import { bool, num, onePositional, str, type CommandSpec, type OptionSpec, type ParsedArgs } from '../args';
import { BACKEND_OPTIONS, EVAL_OPTIONS, ZOO_OPTIONS, modelSource, runEnv } from '../common';
import type { CliContext } from '../context';
import { cliJob, printResult, startBackend } from '../jobEvents';

function rule(args: ParsedArgs): RatiosRuleSpec {
  const loss = num(args, 'loss');
  const target = num(args, 'target-flops');
  const modelLoss = num(args, 'model-loss');
  if ([loss, target, modelLoss].filter((v) => v !== undefined).length !== 1) throw new UsageError('ratios: give one of --loss T, --model-loss T or --target-flops F');
  if (modelLoss !== undefined) return { modelLoss };
  if (target !== undefined) {
    if (!(target > 0 && target < 1)) throw new UsageError(`--target-flops is the share of FLOPs to remove, between 0 and 1; got ${target}`);
    return { targetFlops: target };
  }
  return { loss: loss as number, ...(bool(args, 'monotone') ? { monotone: true } : {}) };
}

export function ratiosCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'ratios',
    usage: 'ratios SENS.json (--loss T [--measure] | --model-loss T | --target-flops F) [-o RATIOS.json] [--json]',
    summary:
      "Pick pruning ratios from a sensitivity results file: the largest ratio per param whose loss stays within T (PaddleSlim's get_ratios_by_loss), " +
      'or the smallest threshold that removes the share F of the FLOPs. The ratios file is what "prunelens prune --ratios" takes.',
    options: {
      loss: { type: 'string', value: 'T', help: 'loss threshold, e.g. 0.01 for 1%' },
      'target-flops': { type: 'string', value: 'F', help: 'share of FLOPs (MACs) to remove, e.g. 0.5' },
      'model-loss': { type: 'string', value: 'T', help: 'a budget for the whole pruned model: the per-layer threshold is searched by bisection on measured evaluations of every ratio applied at once (on the data the scan measured on)' },
      measure: { type: 'boolean', help: 'also measure the combined pruning: every chosen ratio at once, on the scan\'s data, beside the unpruned model' },
      monotone: { type: 'boolean', help: "with --loss: never choose a ratio past a point over the budget (PaddleSlim's reading may, on a curve that is not monotone)" },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'write the ratios file here' },
      model: { type: 'string', value: 'MODEL', help: 'the model measured, for --target-flops with a results file that has no FLOPs model' },
      force: { type: 'boolean', help: 'use --model even if it is not the model the results were measured on' },
      json: { type: 'boolean', help: 'print the ratios file as JSON' },
      ...ZOO_OPTIONS,
      providers: EVAL_OPTIONS['providers'] as OptionSpec,
      threads: EVAL_OPTIONS['threads'] as OptionSpec,
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const file = onePositional(args, spec, 'results file');
      const out = str(args, 'out');
      const model = str(args, 'model');
      const chosen = rule(args);
      const measuring = bool(args, 'measure') || 'modelLoss' in chosen;
      const env = runEnv(args);
      if (measuring) await startBackend(env, ctx);
      const job = cliJob(ctx, env);
      const { result, file: ratios } = await ratiosJob(
        {
          kind: 'ratios',
          file,
          rule: chosen,
          ...(out !== undefined ? { output: out } : {}),
          ...(model !== undefined ? modelSource(model, args) : {}),
          ...(bool(args, 'force') ? { force: true } : {}),
          ...(bool(args, 'measure') ? { measure: true } : {}),
        },
        job,
      );
      job.events.finish();
      if (bool(args, 'json')) ctx.log(JSON.stringify(ratios, null, 2));
      else printResult(result, ctx);
    },
  };
  return spec;
}
