import { onePositional, choice, type CommandSpec } from '../args';
import { DATA_OPTIONS, EVAL_OPTIONS, MODEL_HELP, ZOO_OPTIONS, evaluateWith, openData, openModel, pct, useBackend, BACKEND_OPTIONS } from '../common';
import type { CliContext } from '../context';
import { progressBar } from '../progressBar';

export function evalCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'eval',
    usage: 'eval MODEL [options]',
    summary: `Evaluate top-1 and top-5 accuracy over a whole split (the seed's test()). ${MODEL_HELP}.`,
    options: {
      split: { type: 'string', value: 'S', default: 'test', help: 'train or test' },
      ...DATA_OPTIONS,
      ...EVAL_OPTIONS,
      ...ZOO_OPTIONS,
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const modelSpec = onePositional(args, spec, 'MODEL');
      const split = choice(args, 'split', ['train', 'test'] as const) ?? 'test';
      // The backend matters only for loading and for --engine tfjs, but choosing it prints
      // what the model runs on, which users want to see.
      await useBackend(args, ctx.log);
      const model = await openModel(modelSpec, args);
      const data = await openData(args, split, model, { modelSpec, signal: ctx.signal });
      const bar = progressBar();
      const start = performance.now();
      const r = await evaluateWith(args, model, data, bar, ctx.signal);
      bar.finish();
      const secs = (performance.now() - start) / 1000;
      ctx.log(`Final eval - acc_top1: ${pct(r.top1)}; acc_top5: ${pct(r.top5)}  (${r.count} images, ${(r.count / secs).toFixed(0)} img/s)`);
    },
  };
  return spec;
}
