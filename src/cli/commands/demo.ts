import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { loadBuiltinMnist } from '../../core/data/builtin';
import type { JobContext } from '../../core/jobs/context';
import { describeJob } from '../../core/jobs/describeJob';
import { evaluateJob, finalEvalLine } from '../../core/jobs/evaluateJob';
import { mergeJob } from '../../core/jobs/mergeJob';
import { pruneJob } from '../../core/jobs/pruneJob';
import { ratiosJob } from '../../core/jobs/ratiosJob';
import { runSensitivityJob } from '../../core/jobs/sensitivityJob';
import { trainJob } from '../../core/jobs/trainJob';
import { reduction } from '../../core/pruning';
import { sensitivityPlotSvg } from '../../core/sensitivity/plot';
import { loadResults } from '../../core/sensitivity/resultsFile';
import { PruneLensError } from '../../core/util/errors';
import { formatRatio } from '../../shared/format';
import type { SensitivityJobSpec } from '../../shared/jobs';
import { isMeasured, type SensitivityResults } from '../../shared/results';
import { str, type CommandSpec } from '../args';
import { BACKEND_OPTIONS, pct, runEnv } from '../common';
import type { CliContext } from '../context';
import { cliJob, describePoint, startBackend } from '../jobEvents';
import { spawnCli } from '../selfSpawn';

/** Everything the demo writes into its folder; removed at the start so each run starts over. */
const OUTPUTS = ['mobilenetV1-trained', 'sensitivities_0.json', 'sensitivities_1.json', 'sensitivities.json', 'ratios.json', 'mobilenetV1-pruned', 'mobilenetV1-finetuned', 'sensitivities.svg'];
const LOSS_BUDGET = 0.01;

/** The seed's test(): the evaluate job on the model written at `model`. */
async function testAccuracy(model: string, run: JobContext, ctx: CliContext): Promise<void> {
  const { metrics } = await evaluateJob({ kind: 'evaluate', model, dataset: 'builtin' }, run);
  ctx.log(finalEvalLine({ top1: metrics?.['top1'] ?? NaN, top5: metrics?.['top5'] ?? NaN }));
}

/** The demo's points, indented under their step. */
function demoJob(ctx: CliContext, args: Parameters<typeof runEnv>[0]): JobContext & { events: { finish(): void } } {
  const run = cliJob(ctx, runEnv(args));
  return { ...run, events: { ...run.events, point: (e) => ctx.log(`  ${describePoint(e, 'top1')}`) } };
}

/** Prints the rows of `params` as the seed prints its sensitivities dict (coupled members share them). */
function printSensitivities(results: SensitivityResults, params: readonly string[], ctx: CliContext): void {
  for (const param of params) {
    const group = results.params[param];
    const points = group === undefined ? {} : (results.points[group] ?? {});
    const row = Object.entries(points)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([ratio, p]) => `${formatRatio(Number(ratio))}: ${isMeasured(p) ? pct(p.loss) : 'skipped'}`);
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
 * prints. Each step is one job of the job layer (src/core/jobs), the jobs the other
 * commands run.
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
      const run = demoJob(ctx, args);
      // Jobs whose own lines the demo replaces with the seed's.
      const quiet = { ...run, events: { ...run.events, log: () => undefined, progress: () => undefined } };

      step('1. Framework');
      await startBackend(run.env, ctx);

      step('2. Build MobileNetV1, input [28, 28, 1], 10 classes');
      const zoo = { model: 'zoo:mobilenetV1', zoo: { inputShape: [28, 28, 1] as const, classes: 10, seed: 1 } };
      const built = await describeJob({ kind: 'describe', ...zoo }, run);
      ctx.log(`${built.layers.length} layers, ${built.totalParams.toLocaleString('en-US')} parameters`);

      step('3. Data: built-in MNIST digits, batches of 128 (drop_last for training)');
      ctx.log(`train ${loadBuiltinMnist('train').count} images, test ${loadBuiltinMnist('test').count} images`);

      step('4-5. Train one epoch, then test()');
      const trained = file('mobilenetV1-trained');
      const first = await trainJob({ kind: 'train', ...zoo, dataset: 'builtin', output: trained, epochs: 1, seed: 1 }, run);
      run.events.finish();
      const epoch = first.epochs[0];
      if (epoch) ctx.log(`train acc_top1 ${pct(epoch.top1)}  acc_top5 ${pct(epoch.top5)}  loss ${epoch.loss.toFixed(4)}  (${(epoch.images / epoch.seconds).toFixed(0)} img/s)`);
      await testAccuracy(trained, run, ctx);
      run.events.finish();
      ctx.log(`trained model written to ${first.result.outputs[0] ?? trained}`);

      step('6. Params whose name contains "_sep_weights"');
      const facts = await describeJob({ kind: 'describe', model: trained }, run);
      const allSep = facts.params.filter((p) => p.name.includes('_sep_weights')).map((p) => p.name);
      ctx.log(JSON.stringify(allSep));
      const params = allSep.slice(0, 5);
      ctx.log(`keeping the first 5: ${JSON.stringify(params)}`);
      const scan = async (ratios: number[], name: string): Promise<SensitivityResults> => {
        const spec: SensitivityJobSpec = { kind: 'sensitivity', model: trained, file: file(name), params, ratios };
        await runSensitivityJob(spec, { ...run, events: { ...run.events, log: () => undefined } });
        return loadResults(file(name));
      };

      step('7.1 sensitivity(ratios=[0.1, 0.2]) into sensitivities_0.json');
      printSensitivities(await scan([0.1, 0.2], 'sensitivities_0.json'), params, ctx);

      step('7.2 again with ratios=[0.3]: 0.1 and 0.2 come from the file');
      printSensitivities(await scan([0.3], 'sensitivities_0.json'), params, ctx);

      step('7.3 a second process computes ratios=[0.4] into sensitivities_1.json; then load and merge');
      await runSecondProcess(
        ['sensitivity', trained, '--params', '_sep_weights', '--first', '5', '--ratios', '0.4', '--workers', '1', '--file', file('sensitivities_1.json'), ...(str(args, 'backend') ? ['--backend', str(args, 'backend') as string] : [])],
        ctx,
      );
      await mergeJob({ kind: 'merge', inputs: [file('sensitivities_0.json'), file('sensitivities_1.json')], output: file('sensitivities.json') }, run);
      const merged = await loadResults(file('sensitivities.json'));
      printSensitivities(merged, params, ctx);

      step(`8.1 get_ratios_by_loss(sensitivities, loss=${LOSS_BUDGET}): at most ${pct(LOSS_BUDGET)} per layer`);
      const byLoss = (await ratiosJob({ kind: 'ratios', file: file('sensitivities.json'), rule: { loss: LOSS_BUDGET }, output: file('ratios.json'), measure: true }, quiet)).file;
      for (const p of params) ctx.log(`  ${p}: ${formatRatio(byLoss.ratios[p] ?? 0)}`);
      const together = byLoss.measured;
      if (together) {
        ctx.log(`  every ratio at once, measured: top1 ${pct(together.chosen.metric)} (unpruned ${pct(together.baseline)}): loss ${pct(together.chosen.loss)}, though each layer alone loses at most ${pct(LOSS_BUDGET)}`);
      }
      const whole = (await ratiosJob({ kind: 'ratios', file: file('sensitivities.json'), rule: { modelLoss: LOSS_BUDGET } }, quiet)).file.measured;
      if (whole) {
        ctx.log(
          `  a whole-model budget of ${pct(LOSS_BUDGET)} instead: per-layer threshold ${pct(whole.chosen.threshold)}, measured top1 ${pct(whole.chosen.metric)}, loss ${pct(whole.chosen.loss)} ` +
            `(${whole.evaluations?.length ?? 0} evaluations of the combined pruning)`,
        );
      }
      const byFlops = (await ratiosJob({ kind: 'ratios', file: file('sensitivities.json'), rule: { targetFlops: 0.5 } }, run)).file;
      const reachedText = byFlops.target?.reached ? 'reached' : 'not reachable with these params and ratios; the closest';
      ctx.log(`  for a 50% FLOPs cut (${reachedText}): loss threshold ${pct(byFlops.loss)}, estimated FLOPs reduction ${pct(byFlops.flops?.reduction ?? 0)}`);
      for (const p of params) ctx.log(`    ${p}: ${formatRatio(byFlops.ratios[p] ?? 0)}`);

      step('8.2-8.3 Prune with those ratios; FLOPs before and after; test()');
      const pruned = await pruneJob({ kind: 'prune', model: trained, ratios: { file: file('ratios.json') }, criterion: 'l1_norm', output: file('mobilenetV1-pruned') }, run);
      run.events.finish();
      const { flops } = pruned;
      ctx.log(`FLOPs before: ${flops.before.macs.toLocaleString('en-US')}, after: ${flops.after.macs.toLocaleString('en-US')} (-${reduction(flops.before.macs, flops.after.macs)})`);
      ctx.log(`params before: ${flops.before.params.toLocaleString('en-US')}, after: ${flops.after.params.toLocaleString('en-US')} (-${reduction(flops.before.params, flops.after.params)})`);
      await testAccuracy(pruned.written.modelJson, run, ctx);
      run.events.finish();

      step('8.4 Train the pruned model one more epoch, then test()');
      const tuned = await trainJob({ kind: 'train', model: pruned.written.modelJson, dataset: 'builtin', output: file('mobilenetV1-finetuned'), epochs: 1, seed: 2 }, run);
      run.events.finish();
      const again = tuned.epochs[0];
      if (again) ctx.log(`train acc_top1 ${pct(again.top1)}  acc_top5 ${pct(again.top5)}  loss ${again.loss.toFixed(4)}`);
      await testAccuracy(file('mobilenetV1-finetuned'), run, ctx);
      run.events.finish();

      step('Write the pruned model and a plot');
      ctx.log(`pruned model: ${pruned.written.modelJson}\npruning plan: ${pruned.written.plan}\nfine-tuned: ${tuned.result.outputs[0] ?? ''}`);
      await fsp.writeFile(file('sensitivities.svg'), sensitivityPlotSvg(merged, { threshold: LOSS_BUDGET }));
      ctx.log(`plot: ${file('sensitivities.svg')}`);
      ctx.log(`\ndemo finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
  };
  return spec;
}
