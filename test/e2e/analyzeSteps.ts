/**
 * The parts of Analyze Sensitivity (eight steps) that every scan the suite starts shares:
 * the model and the built-in digits first, then, after the parameters, the ratios, the
 * criterion, exact or quick, the default workers and the results file.
 */
import type { Workbench } from './workbench';

/** Steps 1-2; leaves the parameter filter (3/8) open. */
export async function analyzeModelAndData(wb: Workbench): Promise<void> {
  await wb.runCommand('PruneLens: Analyze Sensitivity...');
  await wb.prompt('Analyze Sensitivity (1/8)');
  await wb.pick('model/model.json');
  await wb.prompt('(2/8)');
  await wb.pick('Built-in MNIST digits');
  await wb.prompt('(3/8)');
}

/** Steps 4-8, once the parameters are accepted: `measure` is the label of the choice at step 6. */
export async function analyzeRest(wb: Workbench, opts: { ratios: readonly string[]; measure: string; file: string }): Promise<void> {
  await wb.prompt('(4/8)');
  await wb.answer(opts.ratios.join(', '));
  await wb.prompt('(5/8)');
  await wb.pick('l1_norm');
  await wb.prompt('(6/8)');
  await wb.pick(opts.measure);
  await wb.prompt('(7/8)');
  await wb.accept();
  await wb.prompt('(8/8)');
  await wb.acceptLast(opts.file);
}
