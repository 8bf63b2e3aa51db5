import * as path from 'node:path';
import { loadBuiltinMnist } from '../../core/data/builtin';
import { createOrtEvaluator } from '../../core/eval/ortSession';
import { evaluate } from '../../core/eval/evaluate';
import { saveModel } from '../../core/models/io';
import { listParams } from '../../core/models/naming';
import { buildModel } from '../../core/models/zoo';
import { train } from '../../core/train/train';
import { str, type CommandSpec } from '../args';
import { BACKEND_OPTIONS, pct, useBackend } from '../common';
import type { CliContext } from '../context';
import { progressBar } from '../progressBar';

/**
 * The seed's workflow on the built-in MNIST digits, step by step, printing what the seed
 * prints. Each step is one call into the core, the same calls the other commands make.
 */
export function demoCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'demo',
    usage: 'demo [--out DIR]',
    summary: "Run the seed's workflow on the built-in MNIST digits: build MobileNetV1, train one epoch, test, list the params to analyse.",
    options: {
      out: { type: 'string', value: 'DIR', default: 'demo-output', help: 'folder for the trained model and results' },
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const out = str(args, 'out') ?? 'demo-output';
      const step = (title: string): void => ctx.log(`\n== ${title}`);
      step('1. Framework');
      await useBackend(args, ctx.log);

      step('2. Build MobileNetV1, input [28, 28, 1], 10 classes');
      const model = buildModel('mobilenetV1', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
      ctx.log(`${model.layers.length} layers, ${model.countParams().toLocaleString('en-US')} parameters`);

      step('3. Data: built-in MNIST digits, batches of 128 (drop_last for training)');
      const trainSet = loadBuiltinMnist('train');
      const testSet = loadBuiltinMnist('test');
      ctx.log(`train ${trainSet.count} images, test ${testSet.count} images`);

      step('4-5. Train one epoch, then test()');
      const bar = progressBar();
      const [epoch] = await train(model, trainSet, { epochs: 1, seed: 1, onProgress: bar, signal: ctx.signal });
      bar.finish();
      if (epoch) ctx.log(`train acc_top1 ${pct(epoch.top1)}  acc_top5 ${pct(epoch.top5)}  loss ${epoch.loss.toFixed(4)}  (${(epoch.images / epoch.seconds).toFixed(0)} img/s)`);
      const evaluator = await createOrtEvaluator(model);
      const before = await evaluate((x, n) => evaluator.run(x, n), testSet, { onProgress: bar, signal: ctx.signal });
      bar.finish();
      await evaluator.release();
      ctx.log(`Final eval - acc_top1: ${pct(before.top1)}; acc_top5: ${pct(before.top5)}`);
      const saved = await saveModel(model, path.join(out, 'mobilenetV1-trained'));
      ctx.log(`trained model written to ${saved.modelJson}`);

      step('6. Params whose name contains "_sep_weights"');
      const params = listParams(model).filter((p) => p.name.includes('_sep_weights')).map((p) => p.name);
      ctx.log(JSON.stringify(params));
      ctx.log(`keeping the first 5: ${JSON.stringify(params.slice(0, 5))}`);
    },
  };
  return spec;
}
