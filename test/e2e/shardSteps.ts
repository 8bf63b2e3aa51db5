/**
 * A split scan appearing in the workspace, as a cluster run on a shared folder writes it: the
 * scan's results are cut into two shard files of a new results file (each with the shard plan,
 * each holding its share of the groups' points), written one after the other. The explorer
 * lists the new file after the first shard, with a Shards row saying one of two is done,
 * and updates both rows, without a refresh, when the second arrives.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Workbench } from './workbench';

interface ResultsLike {
  metadata: Record<string, unknown> & { ratios: number[] };
  points: Record<string, unknown>;
}

const SPLIT = 'cluster.json';

function writeShard(folder: string, source: ResultsLike, shares: string[][], index: number): void {
  const plan = { ratios: source.metadata.ratios, shares: shares.map((groups) => ({ groups, cost: 1 })) };
  const points = Object.fromEntries(Object.entries(source.points).filter(([g]) => shares[index - 1]?.includes(g)));
  const shard = { ...source, metadata: { ...source.metadata, shard: { index, count: shares.length, plan } }, points };
  const file = path.join(folder, `cluster.shard-${index}-of-${shares.length}.json`);
  // Written whole under a temporary name, then renamed, as PruneLens writes results.
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(shard, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

export async function splitScanAppears(wb: Workbench, folder: string, results: string, groups: readonly string[]): Promise<void> {
  const source = JSON.parse(fs.readFileSync(path.join(folder, results), 'utf8')) as ResultsLike;
  const shares = [groups.slice(0, 1), groups.slice(1)];
  const points = (share: readonly string[]): number => share.length * source.metadata.ratios.length;
  const total = points(groups);
  await wb.showContainer('PruneLens');
  writeShard(folder, source, shares, 1);
  await wb.treeRow(SPLIT).locator('.label-description', { hasText: 'split scan' }).waitFor();
  await wb.expand(SPLIT);
  const shardsRow = wb.treeRow('Shards').locator('.label-description');
  await shardsRow.filter({ hasText: `1 of 2 done, 1 missing; ${points(shares[0] ?? [])} of ${total} points (partial)` }).waitFor();
  writeShard(folder, source, shares, 2);
  await shardsRow.filter({ hasText: `2 of 2 done; ${total} of ${total} points` }).waitFor();
  // Complete: the file's row no longer calls it a split scan.
  await wb.treeRow(SPLIT).locator('.label-description', { hasText: /^mobilenetV1$/ }).waitFor();
}
