/**
 * A split scan as the editor sees it while its shards are written (on a cluster, or by other
 * worker processes): the results file is listed as soon as one shard file exists, read as its
 * shard files merged (marked partial while points are owed), with each shard done, running
 * (a live lock), incomplete or missing; a new shard file makes the server announce a change
 * of the results file, which is how the explorer and the report update live.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readLiveResults } from '../../src/core/sensitivity/liveResults';
import { formatResults } from '../../src/core/sensitivity/resultsFile';
import { lockFileFor } from '../../src/core/sensitivity/shardSetFiles';
import { shardFile } from '../../src/core/sensitivity/shards';
import type { ResultsFileEntry, ShardSetSummary } from '../../src/shared/protocol';
import type { SensitivityResults, ShardPlan } from '../../src/shared/results';
import { startServer, uriOf, type TestServer } from './serverHarness';
import { handResults, tempDir } from './sensitivityFixtures';

const plan: ShardPlan = {
  ratios: [0.2, 0.5],
  shares: [
    { groups: ['a'], cost: 100 },
    { groups: ['b'], cost: 90 },
    { groups: ['c'], cost: 80 },
  ],
};

function shard(index: number, tables: Parameters<typeof handResults>[0]): SensitivityResults {
  const r = handResults(tables);
  return { ...r, metadata: { ...r.metadata, shard: { index, count: 3, plan } } };
}

function write(main: string, index: number, tables: Parameters<typeof handResults>[0]): void {
  fs.mkdirSync(path.dirname(main), { recursive: true });
  fs.writeFileSync(shardFile(main, index, 3), formatResults(shard(index, tables)));
}

/** A lock on shard `index` held by this process, as a running shard's is. */
function lockShard(main: string, index: number): void {
  fs.writeFileSync(lockFileFor(shardFile(main, index, 3)), JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
}

const states = (s: ShardSetSummary | undefined): string[] => (s?.shards ?? []).map((l) => `${l.index}:${l.state}:${l.present}/${l.planned ?? '?'}`);

test('a results file with only shard files beside it reads as their merge, partial, shard by shard', async () => {
  const dir = tempDir();
  const main = path.join(dir, 'sens.json');
  write(main, 1, { a: { 0.2: 0.01, 0.5: 0.04 } });
  write(main, 2, { b: { 0.2: 0.02 } });
  lockShard(main, 2);
  const live = await readLiveResults(main);
  assert.equal(live.exists, false);
  assert.deepEqual(Object.keys(live.results.points).sort(), ['a', 'b']);
  assert.deepEqual(states(live.shards), ['1:done:2/2', '2:running:1/2', '3:missing:0/2']);
  assert.deepEqual([live.shards?.present, live.shards?.planned, live.shards?.complete], [3, 6, false]);
  assert.deepEqual(live.results.metadata.partial?.missingShards, [3]);

  write(main, 2, { b: { 0.2: 0.02, 0.5: 0.05 } });
  fs.rmSync(lockFileFor(shardFile(main, 2, 3)));
  write(main, 3, { c: { 0.2: 0.0, 0.5: 0.01 } });
  const whole = await readLiveResults(main);
  assert.deepEqual(states(whole.shards), ['1:done:2/2', '2:done:2/2', '3:done:2/2']);
  assert.equal(whole.shards?.complete, true);
  assert.equal(whole.results.metadata.partial, undefined);
  // A shard file itself reads as it is.
  assert.deepEqual(Object.keys((await readLiveResults(shardFile(main, 3, 3))).results.points), ['c']);
  // A plain results file has no shard summary.
  const plain = path.join(dir, 'plain.json');
  fs.writeFileSync(plain, formatResults(handResults({ a: { 0.2: 0.01 } })));
  assert.equal((await readLiveResults(plain)).shards, undefined);
});

let server: TestServer;
let root: string;

before(async () => {
  root = tempDir();
  write(path.join(root, 'scan', 'sens.json'), 1, { a: { 0.2: 0.01, 0.5: 0.04 } });
  server = await startServer({ workspace: root });
});

after(async () => {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

test('the server lists a split scan by its results file and announces each new shard as its change', async () => {
  const main = path.join(root, 'scan', 'sens.json');
  const listed = await server.connection.sendRequest<{ files: ResultsFileEntry[] }>('prunelens/listResultsFiles', {});
  const entry = listed.files.find((f) => f.path === main);
  assert.ok(entry, `listed: ${listed.files.map((f) => f.path).join(', ')}`);
  assert.equal(entry.exists, false);
  assert.deepEqual(states(entry.shards), ['1:done:2/2', '2:missing:0/2', '3:missing:0/2']);

  write(main, 2, { b: { 0.2: 0.02, 0.5: 0.05 } });
  await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(shardFile(main, 2, 3)), type: 1 }] });
  await server.waitFor<{ uri: string; deleted: boolean }>('prunelens/resultsChanged', (p) => p.uri === uriOf(main) && !p.deleted);
  const read = await server.connection.sendRequest<{ results?: SensitivityResults; shards?: ShardSetSummary }>('prunelens/readResults', { uri: uriOf(main) });
  assert.deepEqual(Object.keys(read.results?.points ?? {}).sort(), ['a', 'b']);
  assert.deepEqual(states(read.shards), ['1:done:2/2', '2:done:2/2', '3:missing:0/2']);
  assert.ok(read.results?.metadata.partial !== undefined, 'marked partial while shard 3 is owed');
});
