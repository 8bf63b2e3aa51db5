/**
 * Each job exists once (src/core/jobs): the CLI and the language server's workers run the
 * same code, so the same scan gives byte-identical results files from both, in one process
 * and split over workers, apart from the times (created, updated, finishedAt) and each
 * point's wall time. The model is given as a folder, which both must record as the same
 * model.json path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobInfo, SensitivityJobSpec } from '../../src/shared/protocol';
import { runCli } from './cliHarness';
import { useServerWorkspace } from './serverHarness';

const ctx = useServerWorkspace();

const FILTER = '/conv[23]_1_sep_weights/';
const RATIOS = [0.25, 0.5];

/** The file's text with the times blanked, which differ from run to run. */
function timeless(file: string): string {
  return fs.readFileSync(file, 'utf8').replace(/"(created|updated|finishedAt)": "[^"]*"/g, '"$1": ""').replace(/"seconds": [0-9.e-]+/g, '"seconds": 0');
}

async function viaServer(file: string, workers: number): Promise<void> {
  const modelFolder = path.dirname(ctx.ws.model);
  const spec: SensitivityJobSpec = { kind: 'sensitivity', file, model: modelFolder, dataset: ctx.ws.data, paramFilter: FILTER, ratios: RATIOS, metric: 'agreement', workers };
  const job = await ctx.server.connection.sendRequest<JobInfo>('prunelens/startJob', { spec });
  const end = await ctx.server.waitFor<JobInfo>('prunelens/jobStatus', (j) => j.id === job.id && j.state !== 'running');
  assert.equal(end.state, 'succeeded', end.error);
}

async function viaCli(file: string, workers: number): Promise<void> {
  const args = ['sensitivity', path.dirname(ctx.ws.model), '--data', ctx.ws.data, '--regex', 'conv[23]_1_sep_weights', '--ratios', RATIOS.join(','), '--metric', 'agreement'];
  const r = await runCli(...args, '--workers', String(workers), '--file', file);
  assert.equal(r.code, 0, r.err + r.out);
}

for (const workers of [1, 2]) {
  test(`the CLI and the server write the same results file (${workers} worker${workers === 1 ? '' : 's'})`, async () => {
    const fromCli = path.join(ctx.ws.root, `cli-${workers}.json`);
    const fromServer = path.join(ctx.ws.root, `server-${workers}.json`);
    await viaCli(fromCli, workers);
    await viaServer(fromServer, workers);
    const cli = timeless(fromCli);
    assert.match(cli, /"path": ".*model\.json"/, 'the model folder is recorded as its model.json');
    assert.equal(timeless(fromServer), cli);
  });
}
