import { evaluateJob } from '../../core/jobs/evaluateJob';
import { EVAL_ENGINES, SPLITS } from '../../shared/vocabulary';
import { choice, int, onePositional, type CommandSpec } from '../args';
import { BACKEND_OPTIONS, DATA_OPTIONS, datasetOf, EVAL_OPTIONS, MODEL_HELP, MODEL_OPTIONS, modelSource, runEnv } from '../common';
import type { CliContext } from '../context';
import { cliJob, printResult, startBackend } from '../jobEvents';

export function evalCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'eval',
    usage: 'eval MODEL [options]',
    summary: `Evaluate top-1 and top-5 accuracy over a whole split (the seed's test()). ${MODEL_HELP}.`,
    options: {
      split: { type: 'string', value: 'S', default: 'test', help: 'train or test' },
      ...DATA_OPTIONS,
      ...EVAL_OPTIONS,
      ...MODEL_OPTIONS,
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const model = modelSource(onePositional(args, spec, 'MODEL'), args);
      const batchSize = int(args, 'batch-size');
      const env = runEnv(args);
      // The backend matters only for loading and for --engine tfjs, but choosing it prints
      // what the model runs on, which users want to see.
      await startBackend(env, ctx);
      const run = cliJob(ctx, env);
      try {
        const result = await evaluateJob(
          {
            kind: 'evaluate',
            ...model,
            ...datasetOf(args),
            split: choice(args, 'split', SPLITS) ?? 'test',
            engine: choice(args, 'engine', EVAL_ENGINES) ?? 'ort',
            ...(batchSize !== undefined ? { batchSize } : {}),
          },
          run,
        );
        run.events.finish();
        printResult(result, ctx);
      } finally {
        run.events.finish();
      }
    },
  };
  return spec;
}
