/**
 * Train / Fine-tune... (a zoo model from scratch, or a model.json further) and Evaluate
 * Model (top-1 and top-5 over a whole split, on ONNX Runtime).
 */
import type { Ctx } from '../ctx';
import { parseCount, parseOptionalPositive } from '../validate';
import { askValue, checkOutputFolder, pickModel, pickOne } from './pick';
import { pickDataset } from './pickData';

const TRAIN = 'Train / Fine-tune';

export async function trainModel(ctx: Ctx, arg?: unknown): Promise<void> {
  const model = await pickModel({ title: TRAIN, step: 1, steps: 6 }, { zoo: true, arg });
  if (model === undefined) return;
  const data = await pickDataset({ title: TRAIN, step: 2, steps: 6 }, model, ctx.config.data);
  if (data === undefined) return;
  const epochs = await askValue({ title: TRAIN, step: 3, steps: 6 }, 'Epochs', '1', (t) => parseCount(t, 1, 1000, 'the number of epochs'));
  if (epochs === undefined) return;
  const optimizer = await pickOne({ title: TRAIN, step: 4, steps: 6 }, 'Optimizer', [
    { label: 'adam', value: 'adam' as const },
    { label: 'momentum', description: 'SGD with momentum 0.9', value: 'momentum' as const },
  ]);
  if (optimizer === undefined) return;
  const rate = await askValue({ title: TRAIN, step: 5, steps: 6 }, 'Learning rate (empty: the default for the optimizer)', '', (t) => parseOptionalPositive(t, 'the learning rate'));
  if (rate === undefined) return;
  const output = await askValue({ title: TRAIN, step: 6, steps: 6 }, 'Folder to save the trained model in (new or empty)', 'trained-model', checkOutputFolder);
  if (output === undefined) return;
  await ctx.jobs.start({ kind: 'train', model, ...data, epochs, optimizer: optimizer.value, output, ...(rate !== null ? { learningRate: rate } : {}) });
}

export async function evaluateModel(ctx: Ctx, arg?: unknown): Promise<void> {
  const model = await pickModel({ title: 'Evaluate Model', step: 1, steps: 2 }, { arg });
  if (model === undefined) return;
  const data = await pickDataset({ title: 'Evaluate Model', step: 2, steps: 2 }, model, ctx.config.data);
  if (data === undefined) return;
  await ctx.jobs.start({ kind: 'evaluate', model, ...data, split: 'test' });
}
