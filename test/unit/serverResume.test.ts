/**
 * Jobs survive their processes: a worker killed mid-scan is started again and resumes from
 * the results file, and a server killed mid-scan hands the job to the next server (which
 * finds it in its journal), both without measuring a finished point again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobInfo, PointNotification, SensitivityJobSpec } from '../../src/shared/protocol';
import { isMeasured, type SensitivityPoint, type SensitivityResults } from '../../src/shared/results';
import { makeWorkspace, startServer, type TestServer, type Workspace } from './serverHarness';

let ws: Workspace;

function spec(file: string): SensitivityJobSpec {
  return { kind: 'sensitivity', file, model: ws.model, dataset: ws.data, paramFilter: '_sep_weights', ratios: [0.15, 0.3, 0.45, 0.6], metric: 'agreement' };
}

/** group/ratio -> the point's finish time, for every measured point in the file. */
function finishedPoints(file: string): Map<string, string> {
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as SensitivityResults;
  const out = new Map<string, string>();
  for (const [group, table] of Object.entries(results.points)) {
    for (const [ratio, point] of Object.entries(table as Record<string, SensitivityPoint>)) if (isMeasured(point)) out.set(`${group}@${ratio}`, point.finishedAt);
  }
  return out;
}

function pointsOf(server: TestServer, jobId: string): PointNotification[] {
  return server.notifications.filter((n) => n.method === 'prunelens/point' && (n.params as PointNotification).jobId === jobId).map((n) => n.params as PointNotification);
}

/** Every point measured before the interruption is still in the file, unchanged, and was not measured again. */
function assertResumed(file: string, before: Map<string, string>, remeasured: readonly PointNotification[]): void {
  const afterwards = finishedPoints(file);
  assert.equal(afterwards.size, 13 * 4);
  for (const [key, finishedAt] of before) assert.equal(afterwards.get(key), finishedAt, `${key} was measured again`);
  for (const p of remeasured) assert.ok(!before.has(`${p.group}@${p.ratio}`), `${p.group}@${p.ratio} was measured again`);
}

before(async () => {
  ws = await makeWorkspace();
});

after(() => fs.rmSync(ws.root, { recursive: true, force: true }));

test('a worker killed mid-scan is started again and resumes from the results file', async () => {
  const server = await startServer({ workspace: ws.root });
  try {
    const file = path.join(ws.root, 'killed-worker.json');
    const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: spec(file) });
    const running = await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.done >= 3 && j.pids.length > 0);
    process.kill(running.pids[0] as number, 'SIGKILL');
    const before = finishedPoints(file);
    const seen = pointsOf(server, job.id).length;
    const restarted = await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.restarts === 1);
    assert.notEqual(restarted.pids[0], running.pids[0]);
    const end = await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.state !== 'running');
    assert.equal(end.state, 'succeeded', end.error);
    assertResumed(file, before, pointsOf(server, job.id).slice(seen + 1));
  } finally {
    await server.stop();
  }
});

test('a server killed mid-scan leaves the job to the next server, which resumes it', async () => {
  const stateDir = path.join(ws.root, '.state');
  const file = path.join(ws.root, 'killed-server.json');
  const first = await startServer({ workspace: ws.root, stateDir });
  const job = await first.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: spec(file) });
  await first.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.done >= 3);
  await first.kill();
  const before = finishedPoints(file);

  const second = await startServer({ workspace: ws.root, stateDir });
  try {
    const end = await second.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.state !== 'running');
    assert.equal(end.state, 'succeeded', end.error);
    assertResumed(file, before, pointsOf(second, job.id));
    assert.deepEqual(fs.readdirSync(path.join(stateDir, 'jobs')), [], 'the journal still lists the job');
    assert.equal(fs.existsSync(`${file}.lock`), false);
  } finally {
    await second.stop();
  }
});
