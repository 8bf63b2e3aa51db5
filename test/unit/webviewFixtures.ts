/**
 * A synthetic results file of any size for the webview's tests and bench/webviewRecompute.ts:
 * a chain of convs (each group's channels are the next layer's inputs), every fifth group
 * coupled to a depthwise conv, a last group that cannot be pruned, seeded losses that grow
 * with the ratio (some negative at low ratios), and early-stop skips at the top. No TF.js:
 * the FLOPs model is written out as the scan would write it.
 */
import type { FlopsLayer } from '../../src/shared/flops';
import type { SensitivityPoint, SensitivityResults } from '../../src/shared/results';
import { RESULTS_FORMAT, RESULTS_VERSION, ratioKey } from '../../src/shared/results';

/** A small deterministic generator (an LCG), so every run sees the same file. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface SyntheticOptions {
  readonly groups: number;
  readonly ratios: number;
  readonly seed?: number;
  /** Early-stop limit: points above it end a row, the rest of it is skipped. Default 0.5. */
  readonly earlyStop?: number;
}

export function syntheticResults(opts: SyntheticOptions): SensitivityResults {
  const rand = lcg(opts.seed ?? 7);
  const ratios = Array.from({ length: opts.ratios }, (_, i) => Number(((i + 1) / (opts.ratios + 1)).toFixed(4)));
  const params: Record<string, string> = {};
  const groups: Record<string, { id: string; params: string[]; channels: number; prunable: boolean; reason?: string }> = {};
  const points: Record<string, Record<string, SensitivityPoint>> = {};
  const layers: FlopsLayer[] = [];
  const flopsGroups: Record<string, { channels: number }> = {};
  const earlyStop = opts.earlyStop ?? 0.5;
  let previous: { id: string; channels: number } | undefined;
  for (let i = 0; i < opts.groups; i++) {
    const id = `conv${i}_weights`;
    const channels = 16 * (1 + (i % 4));
    const last = i === opts.groups - 1;
    const members = i % 5 === 4 ? [id, `conv${i}_dw_weights`] : [id];
    groups[id] = { id, params: members, channels, prunable: !last, ...(last ? { reason: 'conv' + i + ' feeds the model output' } : {}) };
    for (const m of members) params[m] = id;
    flopsGroups[id] = { channels };
    const inputs = previous === undefined ? [] : [[{ group: previous.id, count: previous.channels }]];
    const size = 8 * 8;
    const cin = previous?.channels ?? 3;
    layers.push({
      name: `conv${i}`,
      className: 'Conv2D',
      terms: [
        { macs: size * 9 * cin * channels, params: 9 * cin * channels, scaledBy: [...inputs, [{ group: id, count: channels }]] },
        { macs: size * channels, params: channels, scaledBy: [[{ group: id, count: channels }]] },
      ],
    });
    if (members.length > 1) {
      layers.push({ name: `conv${i}_dw`, className: 'DepthwiseConv2D', terms: [{ macs: size * 9 * channels, params: 10 * channels, scaledBy: [[{ group: id, count: channels }]] }] });
    }
    previous = { id, channels };
    if (last) continue;
    // Sensitivity differs per layer; small ratios may even help a little (negative loss).
    const steepness = 0.05 + rand() * 1.5;
    const table: Record<string, SensitivityPoint> = {};
    let stopped: string | undefined;
    for (const r of ratios) {
      const key = ratioKey(r);
      if (stopped !== undefined) {
        table[key] = { skipped: 'early-stop', reason: stopped, finishedAt: '2025-01-01T00:00:02.000Z' };
        continue;
      }
      const loss = Number((steepness * r ** 3 + (rand() - 0.6) * 0.01).toFixed(6));
      table[key] = { loss, metric: 0.9 * (1 - loss), channelsPruned: Math.round(channels * r), seconds: 0.5 + rand(), finishedAt: '2025-01-01T00:00:01.000Z' };
      if (loss > earlyStop) stopped = `loss ${loss} at ratio ${key} passed the early-stop limit ${earlyStop}`;
    }
    points[id] = table;
  }
  const totalMacs = layers.reduce((n, l) => n + l.terms.reduce((m, t) => m + t.macs, 0), 0);
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    metadata: {
      model: { fingerprint: 'f'.repeat(64), name: 'synthetic', path: '/models/synthetic/model.json' },
      dataset: { fingerprint: 'd'.repeat(64), spec: 'builtin:test', count: 2004 },
      metric: 'top1',
      baseline: 0.9,
      criterion: 'l1_norm',
      ratios,
      earlyStopLoss: earlyStop,
      created: '2025-01-01T00:00:00.000Z',
      updated: '2025-01-01T00:00:03.000Z',
      toolVersion: '0.1.0',
    },
    params,
    groups,
    points,
    flops: { totalMacs, groups: flopsGroups, layers },
  };
}
