/**
 * Jobs through the language server over a real JSON-RPC stream: work-done progress and
 * streamed points of a scan, a scan split over two workers, cancellation (the worker
 * process is gone within 2 s and the file keeps its points), and one job per file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResponseError } from 'vscode-jsonrpc';
import type { WorkDoneProgressBegin, WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import type { JobInfo, PointNotification, SensitivityJobSpec } from '../../src/shared/protocol';
import { isMeasured, type SensitivityResults } from '../../src/shared/results';
import { makeWorkspace, processAlive, startServer, type TestServer, type Workspace } from './serverHarness';

let ws: Workspace;
let server: TestServer;

const SEP_PARAMS = ['conv2_1_sep_weights', 'conv2_2_sep_weights', 'conv3_1_sep_weights'];

function scan(file: string, extra: Partial<SensitivityJobSpec> = {}): SensitivityJobSpec {
  return { kind: 'sensitivity', file: path.join(ws.root, file), model: ws.model, dataset: ws.data, params: SEP_PARAMS, ratios: [0.2, 0.4, 0.6], metric: 'agreement', ...extra };
}

/** A scan long enough to be cancelled mid-way: every pointwise conv at nine ratios. */
function longScan(file: string): SensitivityJobSpec {
  return scan(file, { params: undefined, paramFilter: '_sep_weights', ratios: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] });
}

function readResults(file: string): SensitivityResults {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SensitivityResults;
}

function measuredCount(results: SensitivityResults): number {
  return Object.values(results.points).flatMap((t) => Object.values(t)).filter(isMeasured).length;
}

const ended = (id: string) => (j: JobInfo): boolean => j.id === id && j.state !== 'running';

before(async () => {
  ws = await makeWorkspace();
  server = await startServer({ workspace: ws.root });
});

after(async () => {
  await server.stop();
  fs.rmSync(ws.root, { recursive: true, force: true });
});

test('a scan reports cancellable work-done progress and streams every point as it is written', async () => {
  const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: scan('progress.json') });
  assert.equal(job.state, 'running');
  const end = await server.waitFor<JobInfo>('prunelens/jobStatus', ended(job.id));
  assert.equal(end.state, 'succeeded', end.error);
  assert.equal(end.done, 9);
  assert.equal(end.total, 9);

  const points = server.notifications.filter((n) => n.method === 'prunelens/point' && (n.params as PointNotification).jobId === job.id).map((n) => n.params as PointNotification);
  assert.equal(points.length, 9);
  assert.deepEqual(points.map((p) => p.done), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(points.every((p) => p.file === path.join(ws.root, 'progress.json') && isMeasured(p.point)));

  type Progress = { token: string | number; value: WorkDoneProgressBegin | WorkDoneProgressReport | { kind: 'end' } };
  const begin = await server.waitFor<Progress>('$/progress', (p) => p.value.kind === 'begin' && p.value.title === job.title);
  assert.equal((begin.value as WorkDoneProgressBegin).cancellable, true);
  await server.waitFor<Progress>('$/progress', (p) => p.token === begin.token && p.value.kind === 'end');
  const reports = server.notifications.filter((n) => n.method === '$/progress').map((n) => n.params as Progress).filter((p) => p.token === begin.token && p.value.kind === 'report');
  assert.ok(reports.length >= 9, `${reports.length} reports`);
  assert.ok(reports.some((p) => (p.value as WorkDoneProgressReport).percentage === 100 && /9\/9/.test((p.value as WorkDoneProgressReport).message ?? '')));
  assert.equal(measuredCount(readResults(path.join(ws.root, 'progress.json'))), 9);
});

test('a scan split over two workers folds their shards into the one results file', async () => {
  const file = path.join(ws.root, 'sharded.json');
  const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: scan('sharded.json', { workers: 2 }) });
  const end = await server.waitFor<JobInfo>('prunelens/jobStatus', ended(job.id));
  assert.equal(end.state, 'succeeded', end.error);
  assert.equal(measuredCount(readResults(file)), 9);
  assert.deepEqual(fs.readdirSync(ws.root).filter((f) => f.includes('.shard-')), []);
  const points = server.notifications.filter((n) => n.method === 'prunelens/point' && (n.params as PointNotification).jobId === job.id);
  assert.equal(points.length, 9);
  assert.ok(points.every((n) => (n.params as PointNotification).file === file));
});

test('cancelling through work-done progress kills the worker within 2 s; the file keeps the finished points', async (t) => {
  const file = path.join(ws.root, 'cancelled.json');
  const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: longScan('cancelled.json') });
  const running = await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.done >= 2 && j.pids.length > 0);
  const pid = running.pids[0] as number;
  const create = server.notifications.filter((n) => n.method === 'window/workDoneProgress/create').map((n) => (n.params as { token: string | number }).token);
  const begin = server.notifications.find((n) => n.method === '$/progress' && (n.params as { value: { kind: string; title?: string } }).value.title === job.title);
  const token = (begin?.params as { token: string | number } | undefined)?.token;
  assert.ok(token !== undefined && create.includes(token));

  const start = performance.now();
  await server.connection.sendNotification('window/workDoneProgress/cancel', { token });
  const end = await server.waitFor<JobInfo>('prunelens/jobStatus', ended(job.id));
  const elapsed = performance.now() - start;
  assert.equal(end.state, 'cancelled');
  assert.equal(processAlive(pid), false, `worker ${pid} still alive`);
  assert.ok(elapsed < 2000, `cancel took ${elapsed.toFixed(0)} ms`);
  t.diagnostic(`worker gone and job cancelled ${elapsed.toFixed(0)} ms after the cancel`);
  const kept = measuredCount(readResults(file));
  assert.ok(kept >= 2 && kept < 117, `${kept} points kept`);
});

test('one job per results file: a second job on a file in use is refused, another file runs alongside', async () => {
  const first = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: longScan('locked.json') });
  await assert.rejects(server.connection.sendRequest('prunelens/startJob', { spec: longScan('locked.json') }), (err: ResponseError<unknown>) => {
    assert.match(err.message, /locked\.json: is in use by this process \(Sensitivity: locked\.json \(PruneLens server, job [\w-]+\)\) since \S+; wait for it to finish, or cancel it$/);
    return true;
  });
  assert.ok(fs.existsSync(path.join(ws.root, 'locked.json.lock')));
  const second = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec: longScan('other.json') });
  await server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === second.id && j.done >= 1);
  const both = await server.connection.sendRequest<{ jobs: JobInfo[] }>('prunelens/listJobs', {});
  assert.deepEqual(both.jobs.filter((j) => j.state === 'running').map((j) => j.id).sort(), [first.id, second.id].sort());
  for (const id of [first.id, second.id]) assert.deepEqual(await server.connection.sendRequest('prunelens/cancelJob', { jobId: id }), { cancelled: true });
  assert.equal(fs.existsSync(path.join(ws.root, 'locked.json.lock')), false);
});
