/**
 * `npm run bench:webview`: how long the report webview takes to recompute when the threshold
 * moves (webview/recompute.ts: ratios by loss or the FLOPs-target search, then MACs and
 * weights per layer), on a synthetic results file of GROUPS groups x RATIOS ratios (default
 * 100 x 20, the size the report must handle within 50 ms per move). Prints the median and
 * p95 over RUNS thresholds in each mode, and the one-off preparation of a new file
 * (webview/reportData.ts), which runs per live point rather than per move.
 */
import { recompute } from '../webview/recompute';
import { reportData } from '../webview/reportData';
import { syntheticResults } from '../test/unit/webviewFixtures';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 100);
const RATIOS = Number(process.env.BENCH_RATIOS ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function time(label: string, runs: number, work: (i: number) => void): void {
  // A few untimed runs first, so the figures are of optimised code, as in a page in use.
  for (let i = 0; i < 10; i++) work(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: median ${percentile(times, 50).toFixed(3)} ms, p95 ${percentile(times, 95).toFixed(3)} ms, max ${(times.at(-1) as number).toFixed(3)} ms (${runs} runs)`);
}

const results = syntheticResults({ groups: GROUPS, ratios: RATIOS });
console.log(`synthetic results: ${GROUPS} groups (${Object.keys(results.params).length} params, ${results.flops?.layers.length ?? 0} layers) x ${RATIOS} ratios, node ${process.version}`);
const data = reportData(results);
time('prepare (per file read or live point)', Math.max(20, RUNS / 4), () => reportData(results));
// Thresholds spread over the slider's range, as a drag visits them.
time('recompute, loss budget', RUNS, (i) => recompute(data, { mode: 'loss', loss: 0.3 * ((i % 50) / 50) ** 2, flopsTarget: 0.5 }));
time('recompute, FLOPs target (bisection)', RUNS, (i) => recompute(data, { mode: 'flops', loss: 0, flopsTarget: 0.05 + 0.6 * ((i % 50) / 50) }));
