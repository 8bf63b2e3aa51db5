import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadBuiltinMnist } from '../../core/data/builtin';
import type { ImageDataset } from '../../core/data/dataset';
import { createOrtEvaluator } from '../../core/eval/ortSession';
import { evaluate } from '../../core/eval/evaluate';
import { saveModel } from '../../core/models/io';
import { modelFingerprint } from '../../core/models/fingerprint';
import { listParams } from '../../core/models/naming';
import { buildModel } from '../../core/models/zoo';
import { buildDependencyGraph, compareFlops, planPruning, pruneModel, reduction, writePrunedModel } from '../../core/pruning';
import { datasetIdentity } from '../../core/sensitivity/fingerprint';
import { mergeResultFiles } from '../../core/sensitivity/merge';
import { createFastEngine } from '../../core/fast/fastEngine';
import { sensitivityPlotSvg } from '../../core/sensitivity/plot';
import { writeResults } from '../../core/sensitivity/resultsFile';
import { sensitivity, type PointEvent } from '../../core/sensitivity/scan';
import { train } from '../../core/train/train';
import { PruneLensError } from '../../core/util/errors';
import { ratiosFileFor } from '../../shared/ratiosFile';
import { isMeasured, type SensitivityResults } from '../../shared/results';
import { str, type CommandSpec } from '../args';
import { BACKEND_OPTIONS, pct, useBackend } from '../common';
import type { CliContext } from '../context';
import { progressBar } from '../progressBar';
import { spawnCli } from '../selfSpawn';

/** Everything the demo writes into its folder; removed at the start so each run starts over. */
const OUTPUTS = ['mobilenetV1-trained', 'sensitivities_0.json', 'sensitivities_1.json', 'sensitivities.json', 'ratios.json', 'mobilenetV1-pruned', 'sensitivities.svg'];
const LOSS_BUDGET = 0.01;
const DATASET_SPEC = 'builtin:test';

async function testAccuracy(model: tf.LayersModel, data: ImageDataset, ctx: CliContext): Promise<number> {
  const bar = progressBar();
  const evaluator = await createOrtEvaluator(model);
  try {
    const r = await evaluate((x, n) => evaluator.run(x, n), data, { onProgress: bar, signal: ctx.signal });
    bar.finish();
    ctx.log(`Final eval - acc_top1: ${pct(r.top1)}; acc_top5: ${pct(r.top5)}`);
    return r.top1;
  } finally {
    await evaluator.release();
  }
}

function printPoint(ctx: CliContext) {
  return (e: PointEvent): void => {
    const p = e.point;
    ctx.log(`  [${e.done}/${e.total}] ${e.group} @ ${e.ratio}: ${isMeasured(p) ? `top1 ${pct(p.metric)}, loss ${(100 * p.loss).toFixed(2)}% (${p.seconds.toFixed(1)} s)` : `skipped (${p.reason})`}`);
  };
}

/** Prints the rows of `params` as the seed prints its sensitivities dict (coupled members share them). */
function printSensitivities(results: SensitivityResults, params: readonly string[], ctx: CliContext): void {
  for (const param of params) {
    const group = results.params[param];
    const points = group === undefined ? {} : (results.points[group] ?? {});
    const row = Object.entries(points)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([ratio, p]) => `${ratio}: ${isMeasured(p) ? p.loss.toFixed(4) : 'skipped'}`);
    if (row.length > 0) ctx.log(`  ${param}: {${row.join(', ')}}`);
  }
}

/** Runs `prunelens sensitivity ...` as a separate process, as the seed's step 7.3 does. */
function runSecondProcess(args: string[], ctx: CliContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args);
    child.stderr?.pipe(process.stderr);
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) ctx.log(`  | ${line}`);
    });
    const abort = (): boolean => child.kill();
    ctx.signal.addEventListener('abort', abort, { once: true });
    child.on('error', reject);
    child.on('exit', (code) => {
      ctx.signal.removeEventListener('abort', abort);
      if (code === 0) resolve();
      else reject(new PruneLensError(`the second sensitivity process exited with code ${code}`));
    });
  });
}

/**
 * The seed's workflow on the built-in MNIST digits, step by step, printing what the seed
 * prints. Each step is one call into the core, the same calls the other commands make.
 */
export function demoCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'demo',
    usage: 'demo [--out DIR]',
    summary:
      "Run the seed's whole workflow on the built-in MNIST digits: build MobileNetV1, train one epoch, test, sensitivity (extended, and merged " +
      'with a second process), ratios by loss, prune, FLOPs, fine-tune, test, write the pruned model and a plot. Each run starts over in DIR.',
    options: {
      out: { type: 'string', value: 'DIR', default: 'demo-output', help: 'folder for the trained model, results, pruned model and plot' },
      ...BACKEND_OPTIONS,
    },
    async run(args) {
      const started = performance.now();
      const out = path.resolve(str(args, 'out') ?? 'demo-output');
      await fsp.mkdir(out, { recursive: true });
      await Promise.all(OUTPUTS.map((f) => fsp.rm(path.join(out, f), { recursive: true, force: true })));
      const step = (title: string): void => ctx.log(`\n== ${title}`);
      const file = (name: string): string => path.join(out, name);

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
      await testAccuracy(model, testSet, ctx);
      const trained = await saveModel(model, file('mobilenetV1-trained'));
      ctx.log(`trained model written to ${trained.modelJson}`);

      step('6. Params whose name contains "_sep_weights"');
      const allSep = listParams(model).filter((p) => p.name.includes('_sep_weights')).map((p) => p.name);
      ctx.log(JSON.stringify(allSep));
      const params = allSep.slice(0, 5);
      ctx.log(`keeping the first 5: ${JSON.stringify(params)}`);

      // The fast engine computes each group's upstream part once and reuses it for every ratio.
      const engine = await createFastEngine(model, testSet, { signal: ctx.signal });
      const scan = (ratios: number[], name: string): Promise<SensitivityResults> =>
        sensitivity(model, params, engine, { file: file(name), dataset: datasetIdentity(testSet, DATASET_SPEC), ratios, modelPath: trained.modelJson, onPoint: printPoint(ctx), signal: ctx.signal });

      step('7.1 sensitivity(ratios=[0.1, 0.2]) into sensitivities_0.json');
      printSensitivities(await scan([0.1, 0.2], 'sensitivities_0.json'), params, ctx);

      step('7.2 again with ratios=[0.3]: 0.1 and 0.2 come from the file');
      printSensitivities(await scan([0.3], 'sensitivities_0.json'), params, ctx);
      engine.release();

      step('7.3 a second process computes ratios=[0.4] into sensitivities_1.json; then load and merge');
      await runSecondProcess(
        ['sensitivity', trained.modelJson, '--params', '_sep_weights', '--first', '5', '--ratios', '0.4', '--workers', '1', '--file', file('sensitivities_1.json'), ...(str(args, 'backend') ? ['--backend', str(args, 'backend') as string] : [])],
        ctx,
      );
      const merged = await mergeResultFiles([file('sensitivities_0.json'), file('sensitivities_1.json')]);
      for (const w of merged.warnings) ctx.log(`warning: ${w}`);
      await writeResults(file('sensitivities.json'), merged.results);
      printSensitivities(merged.results, params, ctx);

      step(`8.1 get_ratios_by_loss(sensitivities, loss=${LOSS_BUDGET})`);
      const byLoss = ratiosFileFor(merged.results, { loss: LOSS_BUDGET }, 'sensitivities.json');
      for (const p of params) ctx.log(`  ${p}: ${(byLoss.ratios[p] ?? 0).toFixed(4)}`);
      await fsp.writeFile(file('ratios.json'), `${JSON.stringify(byLoss, null, 2)}\n`);
      const byFlops = ratiosFileFor(merged.results, { targetFlops: 0.5 }, 'sensitivities.json');
      const reachedText = byFlops.target?.reached ? 'reached' : 'not reachable with these params and ratios; the closest';
      ctx.log(`  for a 50% FLOPs cut (${reachedText}): loss threshold ${byFlops.loss.toFixed(4)}, estimated FLOPs reduction ${pct(byFlops.flops?.reduction ?? 0)}`);
      for (const p of params) ctx.log(`    ${p}: ${(byFlops.ratios[p] ?? 0).toFixed(4)}`);

      step('8.2-8.3 Prune with those ratios; FLOPs before and after; test()');
      const graph = buildDependencyGraph(model);
      const plan = planPruning(model, graph, byLoss.ratios, { criterion: 'l1_norm' });
      const pruned = pruneModel(model, plan);
      const flops = compareFlops(model, pruned);
      ctx.log(`FLOPs before: ${flops.before.macs.toLocaleString('en-US')}, after: ${flops.after.macs.toLocaleString('en-US')} (-${reduction(flops.before.macs, flops.after.macs)})`);
      ctx.log(`params before: ${flops.before.params.toLocaleString('en-US')}, after: ${flops.after.params.toLocaleString('en-US')} (-${reduction(flops.before.params, flops.after.params)})`);
      await testAccuracy(pruned, testSet, ctx);

      step('8.4 Train the pruned model one more epoch, then test()');
      const [again] = await train(pruned, trainSet, { epochs: 1, seed: 2, onProgress: bar, signal: ctx.signal });
      bar.finish();
      if (again) ctx.log(`train acc_top1 ${pct(again.top1)}  acc_top5 ${pct(again.top5)}  loss ${again.loss.toFixed(4)}`);
      await testAccuracy(pruned, testSet, ctx);

      step('Write the pruned model and a plot');
      const written = await writePrunedModel(file('mobilenetV1-pruned'), pruned, plan, { source: trained.modelJson, sourceFingerprint: modelFingerprint(model), flops });
      ctx.log(`pruned model: ${written.modelJson}\npruning plan: ${written.plan}`);
      await fsp.writeFile(file('sensitivities.svg'), sensitivityPlotSvg(merged.results, { threshold: LOSS_BUDGET }));
      ctx.log(`plot: ${file('sensitivities.svg')}`);
      ctx.log(`\ndemo finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
  };
  return spec;
}
