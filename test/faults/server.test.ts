/**
 * The language server's faults: a bad header on stdio, resuming a failed job with its
 * ratios left out, restarting a scan twice, and the server killed with SIGKILL while its
 * worker scans.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK } from '../../src/cli/main';
import { loadResults } from '../../src/core/sensitivity/resultsFile';
import type { JobInfo, SensitivityJobSpec } from '../../src/shared/protocol';
import { startServer, type TestServer } from '../unit/serverHarness';
import { gone, hashOf, runCli, saveTinyModel, tempDir, writeIdx } from './faultKit';

const SERVER = path.join(__dirname, '..', '..', 'src', 'server', 'server.ts');

let dir = '';
let model = '';
let data = '';
let slowData = '';
let server: TestServer;

before(async () => {
  dir = tempDir('prunelens-fault-server-');
  model = await saveTinyModel(path.join(dir, 'model'));
  data = writeIdx(path.join(dir, 'data'), 28, 32);
  slowData = writeIdx(path.join(dir, 'slow'), 28, 400);
  server = await startServer({ workspace: dir });
});

after(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runJob(spec: SensitivityJobSpec): Promise<JobInfo> {
  const job = await server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec });
  return server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.state !== 'running');
}

function ratiosMeasured(points: Record<string, Record<string, unknown>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(points).map(([g, t]) => [g, Object.keys(t)]));
}

test('one bad Content-Length header makes the stdio server exit 1 saying why, so that its client starts a new one', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // stdin stays open: the server must not wait for more input after an unreadable header.
  child.stdin.write('Content-Length: abc\r\n\r\n{}');
  assert.equal(await exited, 1);
  assert.match(stderr, /PruneLens server: unreadable message from the client \(Content-Length value must be a number\. Got abc\); exiting so that the client starts a new server/);
  child.stdin.destroy();
});

test('resuming a failed job with its ratios left out measures the ratios in the file, not the defaults', async () => {
  const file = path.join(dir, 'failed.json');
  const first = await runCli('sensitivity', model, '--data', data, '--ratios', '0.25,0.5', '--metric', 'agreement', '--engine', 'ort', '--workers', '1', '--file', file);
  assert.equal(first.code, EXIT_OK, first.err);
  // The job failed after c1 and c2: c3 has no points yet.
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { points: Record<string, unknown> };
  delete json.points['c3_weights'];
  fs.writeFileSync(file, JSON.stringify(json));
  const end = await runJob({ kind: 'sensitivity', file });
  assert.equal(end.state, 'succeeded', end.error);
  const results = await loadResults(file);
  assert.deepEqual(results.metadata.ratios, [0.25, 0.5]);
  assert.deepEqual(ratiosMeasured(results.points), { c1_weights: ['0.25', '0.5'], c2_weights: ['0.25', '0.5'], c3_weights: ['0.25', '0.5'] });
});

test('restarting a scan twice keeps both earlier files: .previous.json the newest, .previous-1.json the first', async () => {
  const file = path.join(dir, 'restarted.json');
  const spec: SensitivityJobSpec = { kind: 'sensitivity', file, model, dataset: data, ratios: [0.5], metric: 'agreement', engine: 'ort' };
  assert.equal((await runJob(spec)).state, 'succeeded');
  const original = hashOf(file);
  assert.equal((await runJob({ kind: 'sensitivity', file, restart: true })).state, 'succeeded');
  const second = hashOf(file);
  assert.equal(hashOf(path.join(dir, 'restarted.previous.json')), original);
  assert.equal((await runJob({ kind: 'sensitivity', file, restart: true })).state, 'succeeded');
  assert.equal(hashOf(path.join(dir, 'restarted.previous.json')), second);
  assert.equal(hashOf(path.join(dir, 'restarted.previous-1.json')), original, 'the first results survive the second restart');
  assert.equal((await loadResults(file)).metadata.ratios.length, 1);
});

test('a CLI scan refuses a file the server is scanning; when the server is killed with SIGKILL, its worker exits too', async () => {
  const doomed = await startServer({ workspace: dir });
  const file = path.join(dir, 'orphaned.json');
  const spec: SensitivityJobSpec = { kind: 'sensitivity', file, model, dataset: slowData, metric: 'agreement', engine: 'tfjs' };
  const job = await doomed.connection.sendRequest<JobInfo>('prunelens/startJob', { spec });
  const running = await doomed.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.done >= 1 && j.pids.length > 0);
  // While the job runs, the CLI refuses the file, naming the server's job.
  const refused = await runCli('sensitivity', model, '--data', slowData, '--metric', 'agreement', '--workers', '1', '--no-wait', '--file', file);
  assert.equal(refused.code, EXIT_FAILED);
  assert.match(refused.err, /orphaned\.json: is in use by pid \d+ \(Sensitivity: orphaned\.json \(PruneLens server, job [\w-]+\)\)/);
  await doomed.kill();
  await gone(running.pids);
  // Its lock names a dead process now: the next writer takes it over.
  const rerun = await runCli('sensitivity', model, '--data', slowData, '--metric', 'agreement', '--engine', 'ort', '--workers', '1', '--no-wait', '--file', file);
  assert.equal(rerun.code, EXIT_OK, rerun.err);
});
