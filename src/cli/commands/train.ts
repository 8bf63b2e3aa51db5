import { trainJob } from '../../core/jobs/trainJob';
import { DEFAULT_LEARNING_RATE, DEFAULT_OPTIMIZER } from '../../core/train/train';
import { UsageError } from '../../core/util/errors';
import { OPTIMIZERS } from '../../shared/vocabulary';
import { bool, choice, int, num, onePositional, str, type CommandSpec } from '../args';
import { BACKEND_OPTIONS, DATA_OPTIONS, datasetOf, MODEL_HELP, MODEL_OPTIONS, modelSource, runEnv } from '../common';
import type { CliContext } from '../context';
import { cliJob, printResult, startBackend } from '../jobEvents';

export function trainCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'train',
    usage: 'train MODEL --out DIR [options]',
    summary: `Train or fine-tune a model on the train split and save it. ${MODEL_HELP}.`,
    options: {
      out: { type: 'string', value: 'DIR', help: 'folder to write the model to, in its own format: model.json and weights, or the .onnx file (required; new, or empty)' },
      overwrite: { type: 'boolean', help: 'write into an --out folder that has files (another model, or the one fine-tuned): its model files are replaced, other files kept' },
      epochs: { type: 'string', value: 'N', default: '1', help: 'epochs' },
      optimizer: { type: 'string', value: 'O', default: DEFAULT_OPTIMIZER, help: 'momentum (SGD with momentum 0.9) or adam' },
      lr: { type: 'string', value: 'X', help: `peak learning rate of the cosine schedule (default ${DEFAULT_LEARNING_RATE.momentum} for momentum, ${DEFAULT_LEARNING_RATE.adam} for adam)` },
      ...DATA_OPTIONS,
      ...MODEL_OPTIONS,
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const model = modelSource(onePositional(args, spec, 'MODEL'), args);
      const out = str(args, 'out');
      if (!out) throw new UsageError('train: --out DIR is required');
      const lr = num(args, 'lr');
      const env = runEnv(args);
      await startBackend(env, ctx);
      const run = cliJob(ctx, env);
      try {
        const { result } = await trainJob(
          {
            kind: 'train',
            ...model,
            ...datasetOf(args),
            output: out,
            epochs: int(args, 'epochs') ?? 1,
            batchSize: int(args, 'batch-size') ?? 128,
            optimizer: choice(args, 'optimizer', OPTIMIZERS) ?? DEFAULT_OPTIMIZER,
            ...(lr !== undefined ? { learningRate: lr } : {}),
            seed: int(args, 'seed', 0) ?? 1,
            ...(bool(args, 'overwrite') ? { overwrite: true } : {}),
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
