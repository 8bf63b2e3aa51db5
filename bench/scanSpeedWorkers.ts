/**
 * Phase (c2) of `npm run bench`: the fast engine as `prunelens sensitivity --workers N`
 * runs it, one worker process per core with one ONNX Runtime thread each, on the same
 * model and images as the other phases (written to disk as a TF.js model and MNIST-format
 * IDX files, as a user would have them). Timed from the command's start to its exit, so
 * it includes starting the processes and loading the model and data in each; CPU time and
 * memory are those of the whole process tree.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeIdx } from '../src/core/data/idx';
import { saveModel } from '../src/core/models/io';
import { loadResults } from '../src/core/sensitivity/resultsFile';
import { runCli } from './cliRun';
import { benchData, benchModel, pointSecondsOf, type PhaseResult } from './scanSpeedPhases';

/** Writes the bench model and its 10,000 images (as the "test" split) under `dir`, once. */
export async function writeBenchInputs(dir: string): Promise<{ model: string; data: string }> {
  const model = path.join(dir, 'model');
  const data = path.join(dir, 'data');
  if (!fs.existsSync(path.join(model, 'model.json'))) await saveModel(benchModel(), model);
  if (!fs.existsSync(path.join(data, 't10k-labels-idx1-ubyte'))) {
    const d = benchData();
    fs.mkdirSync(data, { recursive: true });
    // benchData() is already rounded to k / 255, so the bytes hold exactly its values.
    const bytes = Uint8Array.from(d.images, (v) => Math.round(v * 255));
    fs.writeFileSync(path.join(data, 't10k-images-idx3-ubyte'), encodeIdx([d.count, d.height, d.width], bytes));
    fs.writeFileSync(path.join(data, 't10k-labels-idx1-ubyte'), encodeIdx([d.count], Uint8Array.from(d.labels)));
  }
  return { model, data };
}

export async function runWorkersPhase(dir: string, workers: number): Promise<PhaseResult> {
  const inputs = await writeBenchInputs(dir);
  const file = path.join(dir, `fast-workers-${Date.now()}.json`);
  const run = await runCli(['sensitivity', inputs.model, '--regex', '_sep_weights$', '--data', inputs.data, '--file', file, '--workers', String(workers)]);
  const results = await loadResults(file);
  const pointSeconds = pointSecondsOf(results);
  return {
    phase: 'fast-workers',
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    baselineSeconds: 0,
    points: pointSeconds.length,
    pointSeconds,
    maxRssMb: run.peakRssMb,
    threads: Math.max(1, Math.floor(os.availableParallelism() / workers)),
    file,
  };
}
