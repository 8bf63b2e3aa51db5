/**
 * No command replaces a file it did not create for the same purpose: ratios over a model,
 * training over another model, a plot over someone's SVG, a merge over results that are not
 * its inputs; each is refused before any work and leaves every byte, unless --overwrite.
 * Pruning into an empty folder reached through a link, or a mount point, writes into it and
 * keeps the folder itself (its inode and mode).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_OK, EXIT_USAGE } from '../../src/cli/main';
import { hashOf, runCli, saveTinyModel, snapshot, tempDir, writeIdx } from './faultKit';

let dir = '';
let model = '';
let data = '';
let sens = '';

before(async () => {
  dir = tempDir('prunelens-fault-out-');
  model = await saveTinyModel(path.join(dir, 'model'));
  data = writeIdx(path.join(dir, 'data'), 28, 32);
  sens = path.join(dir, 'sens.json');
  const r = await runCli('sensitivity', model, '--data', data, '--ratios', '0.25,0.5', '--metric', 'agreement', '--engine', 'ort', '--workers', '1', '--file', sens);
  assert.equal(r.code, EXIT_OK, r.err);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('ratios -o onto a model.json is refused and leaves the model; a ratios file is replaced; --overwrite replaces anything but results', async () => {
  const before = snapshot(dir);
  const r = await runCli('ratios', sens, '--loss', '0.5', '-o', model);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /model\.json: exists and is a TF\.js model, not a ratios file; choose another file for the ratios, or --overwrite to replace it/);
  assert.deepEqual(snapshot(dir), before);

  const ratios = path.join(dir, 'ratios.json');
  assert.equal((await runCli('ratios', sens, '--loss', '0.5', '-o', ratios)).code, EXIT_OK);
  const first = hashOf(ratios);
  assert.equal((await runCli('ratios', sens, '--loss', '0.01', '-o', ratios)).code, EXIT_OK, 'a ratios file is written over without asking');
  assert.notEqual(hashOf(ratios), first);

  const notes = path.join(dir, 'notes.json');
  fs.writeFileSync(notes, '{"mine": true}\n');
  assert.equal((await runCli('ratios', sens, '--loss', '0.5', '-o', notes)).code, EXIT_USAGE);
  assert.equal(fs.readFileSync(notes, 'utf8'), '{"mine": true}\n');
  assert.equal((await runCli('ratios', sens, '--loss', '0.5', '-o', notes, '--overwrite')).code, EXIT_OK);
  const sensBefore = hashOf(sens);
  assert.equal((await runCli('ratios', sens, '--loss', '0.5', '-o', sens, '--overwrite')).code, EXIT_USAGE, 'never over a results file');
  assert.equal(hashOf(sens), sensBefore);
});

test('train --out onto a folder with another model is refused before training and leaves it; --overwrite replaces its model files only', async () => {
  const other = path.join(dir, 'other');
  await saveTinyModel(other, 9);
  fs.writeFileSync(path.join(other, 'README'), 'keep me\n');
  const before = snapshot(other);
  const r = await runCli('train', model, '--data', data, '--out', other, '--batch-size', '16', '--backend', 'cpu');
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /other: the output folder exists and is not empty \(README, model\.json, weights\.bin\); choose a new folder, or --overwrite to replace model\.json and weights\.bin in it/);
  assert.doesNotMatch(r.out, /epoch/, 'refused before training');
  assert.deepEqual(snapshot(other), before);

  const again = await runCli('train', model, '--data', data, '--out', other, '--batch-size', '16', '--backend', 'cpu', '--overwrite');
  assert.equal(again.code, EXIT_OK, again.err);
  const after = snapshot(other);
  assert.equal(after['README'], before['README']);
  assert.notEqual(after['weights.bin'], before['weights.bin']);
  assert.deepEqual(Object.keys(after).sort(), ['README', 'model.json', 'weights.bin']);
});

test('prune --out into an empty folder reached through a symbolic link writes into it and keeps the link, the inode and the mode', async () => {
  const real = path.join(dir, 'real-empty');
  fs.mkdirSync(real, { mode: 0o750 });
  fs.chmodSync(real, 0o750);
  const link = path.join(dir, 'link-to-empty');
  fs.symlinkSync(real, link);
  const { ino } = fs.statSync(real);
  const r = await runCli('prune', model, '--ratio', 'c2_weights=0.5', '--out', link);
  assert.equal(r.code, EXIT_OK, r.err);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  const stat = fs.statSync(real);
  // A mount point cannot be renamed over, nor can it be replaced: it has to be written into, as here.
  assert.equal(stat.ino, ino, 'the folder itself is kept, not replaced');
  assert.equal(stat.mode & 0o777, 0o750, "the folder's mode is unchanged");
  assert.deepEqual(fs.readdirSync(real).sort(), ['model.json', 'pruning-plan.json', 'weights.bin']);
});

test('prune --out onto a link to nothing fails before pruning, naming it', async () => {
  const link = path.join(dir, 'link-to-nothing');
  fs.symlinkSync(path.join(dir, 'no-such-folder'), link);
  const r = await runCli('prune', model, '--ratio', 'c2_weights=0.5', '--out', link);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /link-to-nothing: is a symbolic link to .*no-such-folder, which does not exist/);
  assert.equal(fs.existsSync(path.join(dir, 'no-such-folder')), false);
});

test('prune --out onto a folder with files is refused; --overwrite replaces the model files and keeps the rest', async () => {
  const out = path.join(dir, 'pruned');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
  const before = snapshot(out);
  const r = await runCli('prune', model, '--ratio', 'c2_weights=0.5', '--out', out);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /pruned: the output folder exists and is not empty \(notes\.txt\)/);
  assert.deepEqual(snapshot(out), before);
  assert.equal((await runCli('prune', model, '--ratio', 'c2_weights=0.5', '--out', out, '--overwrite')).code, EXIT_OK);
  assert.deepEqual(Object.keys(snapshot(out)).sort(), ['model.json', 'notes.txt', 'pruning-plan.json', 'weights.bin']);
  assert.equal(snapshot(out)['notes.txt'], before['notes.txt']);
});

test('plot -o onto an SVG PruneLens did not write is refused; an earlier plot is replaced', async () => {
  const svg = path.join(dir, 'drawing.svg');
  fs.writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n');
  const before = hashOf(svg);
  const r = await runCli('plot', sens, '-o', svg);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /drawing\.svg: exists and is a file PruneLens did not write for this, not a PruneLens plot; .*--overwrite/);
  assert.equal(hashOf(svg), before);
  const plot = path.join(dir, 'plot.svg');
  assert.equal((await runCli('plot', sens, '-o', plot)).code, EXIT_OK);
  assert.equal((await runCli('plot', sens, '-o', plot, '--loss', '0.2')).code, EXIT_OK, 'a plot is replaced by a plot');
});

test('merge -o onto results that are not among its inputs is refused; an input may be written over', async () => {
  const other = path.join(dir, 'other-results.json');
  fs.copyFileSync(sens, other);
  const copy = path.join(dir, 'copy.json');
  fs.copyFileSync(sens, copy);
  const before = hashOf(other);
  const r = await runCli('merge', copy, '-o', other);
  assert.equal(r.code, EXIT_USAGE);
  assert.match(r.err, /other-results\.json: holds sensitivity results that are not among the inputs, and merging would replace them/);
  assert.equal(hashOf(other), before);
  assert.equal((await runCli('merge', copy, other, '-o', other)).code, EXIT_OK);
  assert.equal((await runCli('merge', copy, '-o', other, '--overwrite')).code, EXIT_OK);
});
