/**
 * Checks that parsed JSON really is a sensitivity results file (src/shared/results.ts),
 * field by field, so that a hand-edited or truncated file fails with the JSON path of the
 * first thing wrong instead of surfacing later as a NaN in a plot. Only resultsFile.ts
 * calls this; every message is completed there with the file's name.
 */
import type { FlopsModel } from '../../shared/flops';
import type { PartialMarker, ResultsGroup, ResultsMetadata, SensitivityPoint, SensitivityResults, ShardInfo, ShardPlan } from '../../shared/results';
import { RESULTS_FORMAT, RESULTS_VERSION, ratioKey } from '../../shared/results';
import { CRITERIA, isOneOf, METRICS } from '../../shared/vocabulary';
import { parsePreprocessingRecord, type Preprocessing } from '../../shared/preprocessing';

/** A field of the file that is not what the format says; `path` is where, e.g. `points.g1["0.3"].loss`. */
export class ResultsShapeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

type Json = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function at(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResultsShapeError(path, `expected an object, found ${describe(value)}`);
  return value as Json;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ResultsShapeError(path, `expected a string, found ${describe(value)}`);
  return value;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ResultsShapeError(path, `expected a number, found ${describe(value)}`);
  return value;
}

function count(value: unknown, path: string): number {
  const n = finite(value, path);
  if (!Number.isInteger(n) || n < 0) throw new ResultsShapeError(path, `expected a whole number >= 0, found ${n}`);
  return n;
}

function ratio(value: unknown, path: string): number {
  const r = finite(value, path);
  if (!(r > 0 && r < 1)) throw new ResultsShapeError(path, `expected a pruning ratio between 0 and 1, found ${r}`);
  return r;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (!isOneOf(allowed, value)) throw new ResultsShapeError(path, `expected one of ${allowed.join(', ')}, found ${describe(value)}`);
  return value;
}

function optional<T>(obj: Json, key: string, path: string, check: (v: unknown, p: string) => T): T | undefined {
  return obj[key] === undefined ? undefined : check(obj[key], at(path, key));
}

function preprocessingRecord(value: unknown, path: string): Preprocessing {
  try {
    return parsePreprocessingRecord(value);
  } catch (e) {
    throw new ResultsShapeError(path, (e as Error).message);
  }
}

function checkMetadata(value: unknown, path: string): ResultsMetadata {
  const m = object(value, path);
  const model = object(m['model'], at(path, 'model'));
  const dataset = object(m['dataset'], at(path, 'dataset'));
  const metric = oneOf(m['metric'], METRICS, at(path, 'metric'));
  const criterion = oneOf(m['criterion'], CRITERIA, at(path, 'criterion'));
  const ratios = m['ratios'];
  if (!Array.isArray(ratios)) throw new ResultsShapeError(at(path, 'ratios'), `expected an array, found ${describe(ratios)}`);
  const shard = optional(m, 'shard', path, checkShard);
  const partial = optional(m, 'partial', path, checkPartial);
  const modelPath = optional(model, 'path', at(path, 'model'), string);
  const earlyStopLoss = optional(m, 'earlyStopLoss', path, finite);
  const preprocessing = optional(dataset, 'preprocessing', at(path, 'dataset'), preprocessingRecord);
  return {
    model: {
      fingerprint: string(model['fingerprint'], at(at(path, 'model'), 'fingerprint')),
      name: string(model['name'], at(at(path, 'model'), 'name')),
      ...(modelPath !== undefined ? { path: modelPath } : {}),
    },
    dataset: {
      fingerprint: string(dataset['fingerprint'], at(at(path, 'dataset'), 'fingerprint')),
      spec: string(dataset['spec'], at(at(path, 'dataset'), 'spec')),
      count: count(dataset['count'], at(at(path, 'dataset'), 'count')),
      ...(preprocessing !== undefined ? { preprocessing } : {}),
    },
    metric,
    baseline: finite(m['baseline'], at(path, 'baseline')),
    criterion,
    ratios: ratios.map((r, i) => ratio(r, `${at(path, 'ratios')}[${i}]`)),
    ...(earlyStopLoss !== undefined ? { earlyStopLoss } : {}),
    created: string(m['created'], at(path, 'created')),
    updated: string(m['updated'], at(path, 'updated')),
    toolVersion: string(m['toolVersion'], at(path, 'toolVersion')),
    ...(shard !== undefined ? { shard } : {}),
    ...(partial !== undefined ? { partial } : {}),
  };
}

function array(value: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ResultsShapeError(path, `expected an array of ${what}, found ${describe(value)}`);
  return value;
}

function checkShard(value: unknown, path: string): ShardInfo {
  const s = object(value, path);
  const index = count(s['index'], at(path, 'index'));
  const total = count(s['count'], at(path, 'count'));
  const plan = optional(s, 'plan', path, (v, p): ShardPlan => {
    const pl = object(v, p);
    const shares = array(pl['shares'], at(p, 'shares'), 'shares');
    if (shares.length !== total) throw new ResultsShapeError(at(p, 'shares'), `expected one share per shard (${total}), found ${shares.length}`);
    return {
      ratios: array(pl['ratios'], at(p, 'ratios'), 'ratios').map((r, i) => ratio(r, `${at(p, 'ratios')}[${i}]`)),
      shares: shares.map((sh, i) => {
        const sp = `${at(p, 'shares')}[${i}]`;
        const share = object(sh, sp);
        return { groups: array(share['groups'], at(sp, 'groups'), 'group ids').map((g, k) => string(g, `${at(sp, 'groups')}[${k}]`)), cost: count(share['cost'], at(sp, 'cost')) };
      }),
    };
  });
  return { index, count: total, ...(plan !== undefined ? { plan } : {}) };
}

function checkPartial(value: unknown, path: string): PartialMarker {
  const p = object(value, path);
  const missingPoints: Record<string, string[]> = {};
  for (const [id, keys] of Object.entries(object(p['missingPoints'], at(path, 'missingPoints')))) {
    const kp = at(at(path, 'missingPoints'), id);
    missingPoints[id] = array(keys, kp, 'ratio keys').map((k, i) => string(k, `${kp}[${i}]`));
  }
  return { missingShards: array(p['missingShards'], at(path, 'missingShards'), 'shard numbers').map((n, i) => count(n, `${at(path, 'missingShards')}[${i}]`)), missingPoints };
}

function checkGroup(value: unknown, id: string, path: string): ResultsGroup {
  const g = object(value, path);
  if (g['id'] !== id) throw new ResultsShapeError(at(path, 'id'), `expected ${JSON.stringify(id)} (the group's key), found ${describe(g['id'])}`);
  const params = g['params'];
  if (!Array.isArray(params)) throw new ResultsShapeError(at(path, 'params'), `expected an array of parameter names, found ${describe(params)}`);
  if (typeof g['prunable'] !== 'boolean') throw new ResultsShapeError(at(path, 'prunable'), `expected true or false, found ${describe(g['prunable'])}`);
  const reason = optional(g, 'reason', path, string);
  return {
    id,
    params: params.map((p, i) => string(p, `${at(path, 'params')}[${i}]`)),
    channels: count(g['channels'], at(path, 'channels')),
    prunable: g['prunable'],
    ...(reason !== undefined ? { reason } : {}),
  };
}

function checkPoint(value: unknown, path: string): SensitivityPoint {
  const p = object(value, path);
  const finishedAt = string(p['finishedAt'], at(path, 'finishedAt'));
  if (p['skipped'] !== undefined) {
    if (p['skipped'] !== 'early-stop') throw new ResultsShapeError(at(path, 'skipped'), `expected "early-stop", found ${describe(p['skipped'])}`);
    return { skipped: 'early-stop', reason: string(p['reason'], at(path, 'reason')), finishedAt };
  }
  return {
    loss: finite(p['loss'], at(path, 'loss')),
    metric: finite(p['metric'], at(path, 'metric')),
    channelsPruned: count(p['channelsPruned'], at(path, 'channelsPruned')),
    seconds: finite(p['seconds'], at(path, 'seconds')),
    finishedAt,
  };
}

function checkFlops(value: unknown, path: string): FlopsModel {
  const f = object(value, path);
  const groups: Record<string, { channels: number }> = {};
  for (const [id, g] of Object.entries(object(f['groups'], at(path, 'groups')))) {
    groups[id] = { channels: count(object(g, at(at(path, 'groups'), id))['channels'], at(at(at(path, 'groups'), id), 'channels')) };
  }
  const layers = f['layers'];
  if (!Array.isArray(layers)) throw new ResultsShapeError(at(path, 'layers'), `expected an array, found ${describe(layers)}`);
  return {
    totalMacs: finite(f['totalMacs'], at(path, 'totalMacs')),
    groups,
    layers: layers.map((l, i) => {
      const lp = `${at(path, 'layers')}[${i}]`;
      const layer = object(l, lp);
      const terms = layer['terms'];
      if (!Array.isArray(terms)) throw new ResultsShapeError(at(lp, 'terms'), `expected an array, found ${describe(terms)}`);
      return {
        name: string(layer['name'], at(lp, 'name')),
        className: string(layer['className'], at(lp, 'className')),
        terms: terms.map((t, j) => {
          const tp = `${at(lp, 'terms')}[${j}]`;
          const term = object(t, tp);
          const scaledBy = term['scaledBy'];
          if (!Array.isArray(scaledBy)) throw new ResultsShapeError(at(tp, 'scaledBy'), `expected an array, found ${describe(scaledBy)}`);
          const params = optional(term, 'params', tp, count);
          return {
            macs: finite(term['macs'], at(tp, 'macs')),
            ...(params !== undefined ? { params } : {}),
            scaledBy: scaledBy.map((factor, k) => {
              const fp = `${at(tp, 'scaledBy')}[${k}]`;
              if (!Array.isArray(factor)) throw new ResultsShapeError(fp, `expected an array of axis parts, found ${describe(factor)}`);
              return factor.map((part, n) => {
                const pp = `${fp}[${n}]`;
                const group = optional(object(part, pp), 'group', pp, string);
                return { ...(group !== undefined ? { group } : {}), count: count(object(part, pp)['count'], at(pp, 'count')) };
              });
            }),
          };
        }),
      };
    }),
  };
}

/** Whether `value` claims to be a results file at all (its `format` field). */
export function hasResultsFormat(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Json)['format'] === RESULTS_FORMAT;
}

/**
 * The results in `value`, checked. Call hasResultsFormat first: this assumes the format
 * field is right and checks everything else, including that every reference (a param's
 * group, a points table's group) resolves and every ratio key is in normal form.
 */
export function checkResults(value: unknown): SensitivityResults {
  const root = object(value, '$');
  const version = root['version'];
  if (version !== RESULTS_VERSION) throw new ResultsShapeError('$.version', `expected ${RESULTS_VERSION}, found ${describe(version)}`);
  const metadata = checkMetadata(root['metadata'], '$.metadata');
  const groups: Record<string, ResultsGroup> = {};
  for (const [id, g] of Object.entries(object(root['groups'], '$.groups'))) groups[id] = checkGroup(g, id, at('$.groups', id));
  const params: Record<string, string> = {};
  for (const [name, id] of Object.entries(object(root['params'], '$.params'))) {
    const group = string(id, at('$.params', name));
    if (groups[group] === undefined) throw new ResultsShapeError(at('$.params', name), `names group ${JSON.stringify(group)}, which is not in $.groups`);
    params[name] = group;
  }
  const points: Record<string, Record<string, SensitivityPoint>> = {};
  for (const [id, table] of Object.entries(object(root['points'], '$.points'))) {
    const path = at('$.points', id);
    if (groups[id] === undefined) throw new ResultsShapeError(path, `points for group ${JSON.stringify(id)}, which is not in $.groups`);
    const checked: Record<string, SensitivityPoint> = {};
    for (const [key, point] of Object.entries(object(table, path))) {
      const r = Number(key);
      if (!(r > 0 && r < 1) || ratioKey(r) !== key) {
        throw new ResultsShapeError(at(path, key), `ratio keys must be ratios between 0 and 1 written in normal form (e.g. "0.3"); found ${JSON.stringify(key)}`);
      }
      checked[key] = checkPoint(point, at(path, key));
    }
    points[id] = checked;
  }
  const flops = root['flops'] === undefined ? undefined : checkFlops(root['flops'], '$.flops');
  return { format: RESULTS_FORMAT, version: RESULTS_VERSION, metadata, params, groups, points, ...(flops ? { flops } : {}) };
}
