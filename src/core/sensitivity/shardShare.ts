/**
 * One shard's share of a split scan, and its shard file's starting point. Every shard
 * computes the same plan (shardPlan.ts) from the model, the requested parameters and ratios,
 * and the results file as it was before the split (which no shard writes), or takes the plan
 * a sibling shard already recorded on disk; then it measures its share into its own file
 * with the plan recorded in it.
 *
 * A shard that runs again with its file on disk (a requeued Slurm task, a retried Kubernetes
 * index) resumes from that file when the plan is the same. A file left by another plan (other
 * ratios, another shard count, points merged since) is started over only when the results
 * file already holds every point in it; otherwise the shard stops and says to merge first,
 * because nothing measured may be lost.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { SensitivityResults, ShardInfo, ShardPlan } from '../../shared/results';
import { isMeasured, normaliseRatio } from '../../shared/results';
import { isModelHandle, type ModelHandle } from '../models/modelHandle';
import { tfjsModel } from '../models/tfjsModel';
import { PruneLensError } from '../util/errors';
import { readResultsIfExists, writeResults } from './resultsFile';
import { planItems } from './shardCost';
import { planShards, samePlan } from './shardPlan';
import { mainFileOf, shardFile } from './shardFiles';
import type { ShardTask } from './shards';
import { checkRatios, DEFAULT_RATIOS } from './scanState';
import { counted } from '../../shared/format';

/** `results` cut down to the groups in `keep`: the starting point of one worker's shard. */
export function restrictResults(results: SensitivityResults, keep: ReadonlySet<string>, shard: ShardInfo): SensitivityResults {
  const params = Object.fromEntries(Object.entries(results.params).filter(([, g]) => keep.has(g)));
  const groups = Object.fromEntries(Object.entries(results.groups).filter(([id]) => keep.has(id)));
  const points = Object.fromEntries(Object.entries(results.points).filter(([id]) => keep.has(id)));
  const { partial: _partial, ...metadata } = results.metadata;
  return { ...results, metadata: { ...metadata, shard }, params, groups, points };
}

/** Points of `shard` that `main` lacks (or holds only as an early-stop marker where the shard measured). */
function pointsOnlyIn(shard: SensitivityResults, main: SensitivityResults | undefined): number {
  let n = 0;
  for (const [id, table] of Object.entries(shard.points)) {
    for (const [key, point] of Object.entries(table)) {
      const there = main?.points[id]?.[key];
      if (there === undefined || (isMeasured(point) && !isMeasured(there))) n++;
    }
  }
  return n;
}

/** Makes `shard.file` the right starting point for this plan (see the module comment). */
async function prepareShardFile(shard: ShardTask, existing: SensitivityResults | undefined, mine: ReadonlySet<string>, info: ShardInfo): Promise<void> {
  const current = await readResultsIfExists(shard.file);
  if (current !== undefined) {
    if (samePlan(current.metadata.shard?.plan, info.plan)) return;
    const stray = pointsOnlyIn(current, existing);
    if (stray > 0) {
      const main = path.basename(mainFileOf(shard.file));
      throw new PruneLensError(
        `was written under another shard plan and holds ${counted(stray, 'point')} that ${main} lacks; ` +
          `merge the shard files into ${main} first (prunelens merge ${main} <its shard files> -o ${main}), then run again`,
        shard.file,
      );
    }
  }
  if (existing !== undefined) await writeResults(shard.file, restrictResults(existing, mine, info));
  // A leftover with no points of its own: removed so that the scan does not visit its groups.
  else if (current !== undefined) await fsp.rm(shard.file, { force: true });
}

/**
 * The plan already recorded by a shard of this split, if one is on disk and covers exactly
 * these groups at these ratios. A shard run again after others finished (or after a partial
 * merge wrote their points into the results file) must keep the plan they worked to, or the
 * groups it owes could move to shards that will not run again.
 */
async function recordedPlan(shard: ShardTask, groups: readonly string[], ratios: readonly number[]): Promise<ShardPlan | undefined> {
  const main = mainFileOf(shard.file);
  const wanted = [...groups].sort().join('\n');
  for (let index = 1; index <= shard.count; index++) {
    const plan = (await readResultsIfExists(shardFile(main, index, shard.count)))?.metadata.shard?.plan;
    if (plan === undefined || plan.ratios.join() !== ratios.join()) continue;
    if (plan.shares.flatMap((s) => s.groups).sort().join('\n') === wanted) return plan;
  }
  return undefined;
}

export interface ShardAssignment {
  /** The requested params this shard measures. */
  readonly params: string[];
  /** The plan every shard of the split computes, recorded in this shard's file. */
  readonly plan: ShardPlan;
}

/**
 * This shard's share of `params` at `ratios`, balanced by estimated cost. Groups that get no
 * points (not prunable, or names this model lacks) go with shard 1, whose file then says why.
 * The shard file is seeded with the results file's points for the shard's groups, so nothing
 * is measured twice.
 */
export async function planShardShare(
  model: tf.LayersModel | ModelHandle,
  params: readonly string[],
  ratios: readonly number[],
  existing: SensitivityResults | undefined,
  shard: ShardTask,
): Promise<ShardAssignment> {
  const handle = isModelHandle(model) ? model : tfjsModel(model);
  const graph = handle.dependencyGraph();
  const groupOf = new Map<string, string>();
  for (const p of new Set([...Object.keys(existing?.params ?? {}), ...params])) {
    try {
      groupOf.set(p, graph.groupForParam(p).id);
    } catch {
      // A parameter this model lacks: the first shard keeps it, and its scan says what is wrong.
      groupOf.set(p, '');
    }
  }
  const wanted = new Set(groupOf.values());
  const prunable = graph.groups.filter((g) => wanted.has(g.id) && g.prunable);
  const planRatios = checkRatios(ratios, normaliseRatio);
  const recorded = await recordedPlan(shard, prunable.map((g) => g.id), planRatios);
  const plan = recorded ?? planShards(planItems(handle, prunable, planRatios, existing), shard.count, planRatios);
  const mine = new Set(plan.shares[shard.index - 1]?.groups ?? []);
  if (shard.index === 1) for (const g of wanted) if (!prunable.some((p) => p.id === g)) mine.add(g);
  await prepareShardFile(shard, existing, mine, { index: shard.index, count: shard.count, plan });
  return { params: params.filter((p) => mine.has(groupOf.get(p) ?? '')), plan };
}

/**
 * planShardShare for callers that do not pass the ratios (the language server's workers,
 * which fold and delete their shard files themselves): the results file's ratios, else the
 * default ones, weigh the groups.
 */
export async function shardShare(model: tf.LayersModel | ModelHandle, params: readonly string[], existing: SensitivityResults | undefined, shard: ShardTask): Promise<string[]> {
  return (await planShardShare(model, params, existing?.metadata.ratios ?? DEFAULT_RATIOS, existing, shard)).params;
}
