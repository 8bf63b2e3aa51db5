/**
 * Which channel groups one shard of a split scan measures. Kept apart from shards.ts because
 * it needs the model's dependency graph (the engine), and shards.ts is read by the language
 * server, which never loads the engine.
 */
import * as fs from 'node:fs';
import type { SensitivityResults } from '../../shared/results';
import type { DependencyGraph } from '../pruning';
import { restrictResults, type ShardTask } from './shards';
import { writeResults } from './resultsFile';

/**
 * This shard's share of `params`: the requested groups dealt out in network order, one
 * each in turn, so every worker gets early and late (cheap and costly) layers alike. The
 * shard file is seeded with the results file's points for those groups, so nothing is
 * measured twice.
 */
export async function shardShare(graph: DependencyGraph, params: readonly string[], existing: SensitivityResults | undefined, shard: ShardTask): Promise<string[]> {
  const groupOf = new Map<string, string>();
  for (const p of new Set([...Object.keys(existing?.params ?? {}), ...params])) {
    try {
      groupOf.set(p, graph.groupForParam(p).id);
    } catch {
      // A parameter this model lacks: the first worker keeps it, and its scan says what is wrong.
      groupOf.set(p, graph.groups[0]?.id ?? p);
    }
  }
  const order = graph.groups.map((g) => g.id);
  const groups = [...new Set(groupOf.values())].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const mine = new Set(groups.filter((_, k) => (k % shard.count) + 1 === shard.index));
  if (existing !== undefined && !fs.existsSync(shard.file)) await writeResults(shard.file, restrictResults(existing, mine, shard));
  return params.filter((p) => mine.has(groupOf.get(p) ?? ''));
}
