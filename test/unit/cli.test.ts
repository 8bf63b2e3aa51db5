import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { runCli as run } from './cliHarness';


test('help exits 0 and lists every command; no command is bad usage', async () => {
  const help = await run('--help');
  assert.equal(help.code, EXIT_OK);
  for (const c of ['demo', 'train', 'eval', 'params', 'info', 'flops', 'prune', 'sensitivity', 'merge', 'ratios', 'plot']) assert.match(help.out, new RegExp(`\\b${c}\\b`));
  assert.equal((await run()).code, EXIT_USAGE);
  const perCommand = await run('params', '--help');
  assert.equal(perCommand.code, EXIT_OK);
  assert.match(perCommand.out, /--filter TEXT/);
});

test('unknown commands and flags are usage errors (exit 2)', async () => {
  const r = await run('prune-everything');
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /unknown command "prune-everything"/);
  const flag = await run('params', 'zoo:mobilenetV1', '--no-such-flag');
  assert.equal(flag.code, EXIT_USAGE);
  assert.match(flag.err, /no-such-flag/);
  assert.equal((await run('params', 'zoo:nonet')).code, EXIT_USAGE);
});

test("params --filter _sep_weights lists MobileNetV1's 13 pointwise convs (seed step 6)", async () => {
  const r = await run('params', 'zoo:mobilenetV1', '--filter', '_sep_weights', '--json');
  assert.equal(r.code, EXIT_OK);
  const params = JSON.parse(r.out) as { name: string; shape: number[]; outChannels: number }[];
  assert.equal(params.length, 13);
  assert.deepEqual(params[0], { name: 'conv2_1_sep_weights', layer: 'conv2_1_sep', shape: [1, 1, 32, 64], outChannels: 64 });
  const regex = await run('params', 'zoo:mobilenetV1', '--regex', '^conv5_\\d_sep', '--json');
  assert.equal((JSON.parse(regex.out) as unknown[]).length, 6);
});

test('info prints MACs and params; a missing model file fails with its name (exit 1)', async () => {
  const info = await run('info', 'zoo:resnet20');
  assert.equal(info.code, EXIT_OK);
  assert.match(info.out, /total params \d+ .* total MACs \d+/);
  const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'prunelens-cli-')), 'model.json');
  const r = await run('info', missing);
  assert.equal(r.code, EXIT_FAILED);
  assert.ok(r.err.includes(missing), r.err);
});
