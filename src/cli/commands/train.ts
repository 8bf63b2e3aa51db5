import { saveModel } from '../../core/models/io';
import { DEFAULT_LEARNING_RATE, DEFAULT_OPTIMIZER, train, type OptimizerName } from '../../core/train/train';
import { UsageError } from '../../core/util/errors';
import { choice, int, num, onePositional, str, type CommandSpec } from '../args';
import { BACKEND_OPTIONS, DATA_OPTIONS, MODEL_HELP, ZOO_OPTIONS, openData, openModel, pct, useBackend } from '../common';
import { progressBar } from '../progressBar';
import type { CliContext } from '../context';

export function trainCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'train',
    usage: 'train MODEL --out DIR [options]',
    summary: `Train or fine-tune a model on the train split and save it. ${MODEL_HELP}.`,
    options: {
      out: { type: 'string', value: 'DIR', help: 'folder to write model.json and weights to (required)' },
      epochs: { type: 'string', value: 'N', default: '1', help: 'epochs' },
      optimizer: { type: 'string', value: 'O', default: DEFAULT_OPTIMIZER, help: 'momentum (SGD with momentum 0.9) or adam' },
      lr: { type: 'string', value: 'X', help: `peak learning rate of the cosine schedule (default ${DEFAULT_LEARNING_RATE.momentum} for momentum, ${DEFAULT_LEARNING_RATE.adam} for adam)` },
      ...DATA_OPTIONS,
      ...ZOO_OPTIONS,
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const modelSpec = onePositional(args, spec, 'MODEL');
      const out = str(args, 'out');
      if (!out) throw new UsageError('train: --out DIR is required');
      await useBackend(args, ctx.log);
      const model = await openModel(modelSpec, args);
      const data = await openData(args, 'train', model, { modelSpec, signal: ctx.signal });
      const bar = progressBar();
      const lr = num(args, 'lr');
      const results = await train(model, data, {
        epochs: int(args, 'epochs') ?? 1,
        batchSize: int(args, 'batch-size') ?? 128,
        optimizer: choice<OptimizerName>(args, 'optimizer', ['adam', 'momentum']) ?? DEFAULT_OPTIMIZER,
        ...(lr !== undefined ? { learningRate: lr } : {}),
        seed: int(args, 'seed', 0) ?? 1,
        onProgress: bar,
        signal: ctx.signal,
      });
      bar.finish();
      for (const r of results) {
        ctx.log(`epoch ${r.epoch}: train top1 ${pct(r.top1)}  top5 ${pct(r.top5)}  loss ${r.loss.toFixed(4)}  (${r.images} images, ${(r.images / r.seconds).toFixed(0)} img/s)`);
      }
      const saved = await saveModel(model, out);
      ctx.log(`saved ${saved.modelJson}`);
    },
  };
  return spec;
}
