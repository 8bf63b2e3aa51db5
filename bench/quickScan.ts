/**
 * `npm run bench:quick`: quick mode against the exact scan it estimates, in one run. The
 * scan is `npm run bench`'s (MobileNetV1 28x28x1, the 13 `_sep_weights` params x ratios
 * 0.1 ... 0.9 = 117 points, the 10,000 built-in digits, train and test splits together,
 * batch 128, fast engine, one process), on a TRAINED model, because quick mode's stopping
 * depends on the losses: MobileNetV1 trained for one epoch on the 7,996 train digits with
 * `prunelens train` (seed 1; its defaults), so the scan's images include the ones it was
 * trained on. Each scan is the built CLI in a process of its own (cliRun.ts):
 *
 *   exact:           prunelens sensitivity ... (every point on every image)
 *   quick --loss T:  ... --quick --loss 0.01 (default precision 0.005)
 *   quick:           ... --quick (precision 0.005 only)
 *
 * exact and quick --loss run in turn BENCH_REPEATS times (default 2), medians compared;
 * quick once. Then: how many exact losses lie inside the quick points' intervals (nominal
 * coverage 95%), and `prunelens ratios --loss 0.01` from each file, ratio by ratio.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadResults } from '../src/core/sensitivity/resultsFile';
import { isMeasured, type MeasuredPoint, type SensitivityResults } from '../src/shared/results';
import { runCli, type CliRun } from './cliRun';
import { writeBenchInputs } from './scanSpeedWorkers';
import { median } from './stats';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const THRESHOLD = 0.01;

const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Scan extends CliRun {
  readonly file: string;
}

function measuredPoints(results: SensitivityResults): Map<string, MeasuredPoint> {
  const out = new Map<string, MeasuredPoint>();
  for (const [group, table] of Object.entries(results.points)) for (const [key, p] of Object.entries(table)) if (isMeasured(p)) out.set(`${group}@${key}`, p);
  return out;
}

async function ratiosOf(file: string): Promise<Record<string, number>> {
  const out = `${file}.ratios.json`;
  await runCli(['ratios', file, '--loss', String(THRESHOLD), '-o', out]);
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as { ratios: Record<string, number> }).ratios;
}

/** A quick file set against the exact one: images used, coverage of the intervals, and the ratios at the threshold. */
async function report(label: string, quick: Scan, exact: Scan, count: number): Promise<void> {
  const q = measuredPoints(await loadResults(quick.file));
  const e = measuredPoints(await loadResults(exact.file));
  let estimates = 0;
  let covered = 0;
  let images = 0;
  let widest = 0;
  const misses: string[] = [];
  for (const [key, p] of q) {
    images += p.quick?.images ?? count;
    if (p.quick === undefined) continue;
    estimates++;
    const truth = (e.get(key) as MeasuredPoint).loss;
    widest = Math.max(widest, (p.quick.interval[1] - p.quick.interval[0]) / 2);
    if (p.quick.interval[0] <= truth && truth <= p.quick.interval[1]) covered++;
    else misses.push(`${key}: ${truth} outside [${p.quick.interval.join(', ')}]`);
  }
  const exactRatios = await ratiosOf(exact.file);
  const quickRatios = await ratiosOf(quick.file);
  const diffs = Object.keys(exactRatios).map((param) => Math.abs((quickRatios[param] ?? NaN) - (exactRatios[param] as number)));
  console.log(`${label}: ${estimates} of ${q.size} points stopped early (the others saw every image: exact); ${fmt(images / q.size, 0)} images per point on average (${fmt((100 * images) / (q.size * count))}% of the exact scan's)`);
  console.log(`  coverage: ${covered} of ${estimates} exact losses inside their 95% intervals; widest half-width ${fmt(100 * widest, 2)}%${misses.length > 0 ? `; outside: ${misses.join('; ')}` : ''}`);
  console.log(`  ratios --loss ${THRESHOLD}: largest difference from the exact file's ${fmt(Math.max(...diffs), 4)} over ${diffs.length} params (target: every one within 0.02)`);
  for (const param of Object.keys(exactRatios)) console.log(`    ${param.padEnd(22)} exact ${fmt(exactRatios[param] as number, 4)}  quick ${fmt(quickRatios[param] ?? NaN, 4)}`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-bench-quick-'));
  try {
    console.log(`machine: ${os.availableParallelism()} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
    const { data } = await writeBenchInputs(dir);
    const model = path.join(dir, 'trained');
    const trained = await runCli(['train', 'zoo:mobilenetV1', '--epochs', '1', '--out', model]);
    console.log(`model: MobileNetV1 trained one epoch on the 7,996 built-in train digits in ${fmt(trained.seconds)} s (${trained.stdout.trim().split('\n').find((l) => l.startsWith('epoch')) ?? ''})`);
    const scan = async (name: string, extra: readonly string[]): Promise<Scan> => {
      const file = path.join(dir, `${name}-${Date.now()}.json`);
      const run = await runCli(['sensitivity', model, '--regex', '_sep_weights$', '--data', data, '--file', file, '--workers', '1', ...extra]);
      console.log(`  ${name.padEnd(14)} ${fmt(run.seconds).padStart(6)} s wall ${fmt(run.cpuSeconds).padStart(6)} s CPU  peak RSS ${fmt(run.peakRssMb, 0)} MB`);
      return { ...run, file };
    };
    const exact: Scan[] = [];
    const quickLoss: Scan[] = [];
    for (let r = 0; r < REPEATS; r++) {
      exact.push(await scan('exact', []));
      quickLoss.push(await scan('quick --loss', ['--quick', '--loss', String(THRESHOLD)]));
    }
    const quick = await scan('quick', ['--quick']);
    const exactWall = median(exact.map((s) => s.seconds));
    const quickWall = median(quickLoss.map((s) => s.seconds));
    const count = (await loadResults(exact[0]!.file)).metadata.dataset.count;
    const baseline = (await loadResults(exact[0]!.file)).metadata.baseline;
    console.log('');
    console.log(`scan: 117 points, ${count} images, baseline top-1 ${fmt(100 * baseline, 2)}%`);
    console.log(`exact ${fmt(exactWall)} s, quick --loss ${THRESHOLD} ${fmt(quickWall)} s (medians of ${REPEATS}): ${fmt(exactWall / quickWall, 2)}x faster in wall time, ${fmt(median(exact.map((s) => s.cpuSeconds)) / median(quickLoss.map((s) => s.cpuSeconds)), 2)}x in CPU time (target >= 4x); quick alone ${fmt(exactWall / quick.seconds, 2)}x`);
    await report(`quick --loss ${THRESHOLD}`, quickLoss[0]!, exact[0]!, count);
    await report('quick (precision 0.005 only)', quick, exact[0]!, count);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
