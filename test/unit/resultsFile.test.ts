/**
 * The results file: round trip, ratio-key normalisation, atomic replacement, and refusal
 * (with the file left byte-identical) of corrupt, foreign, newer and malformed files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatResults, loadResults, parseResults, readResultsIfExists, writeResults } from '../../src/core/sensitivity/resultsFile';
import { PruneLensError } from '../../src/core/util/errors';
import { normaliseRatio, ratioKey } from '../../src/shared/results';
import { handResults, measured, tempDir } from './sensitivityFixtures';

async function refusesAndKeeps(content: string | Buffer, pattern: RegExp): Promise<void> {
  const file = path.join(tempDir(), 'sens.json');
  fs.writeFileSync(file, content);
  const before = fs.readFileSync(file);
  await assert.rejects(readResultsIfExists(file), (e: unknown) => e instanceof PruneLensError && e.message.includes(file) && pattern.test(e.message));
  await assert.rejects(writeResults(file, handResults({ p: { 0.1: 0.01 } })), (e: unknown) => e instanceof PruneLensError && pattern.test(e.message));
  assert.deepEqual(fs.readFileSync(file), before, 'the file must be left byte-identical');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['sens.json'], 'no temporary file may be left behind');
}

describe('ratio keys', () => {
  it('normalise float noise to 4 decimals', () => {
    assert.equal(ratioKey(0.1 + 0.2), '0.3');
    assert.equal(ratioKey(0.30000000000000004), '0.3');
    assert.equal(normaliseRatio(0.12344), 0.1234);
    assert.equal(ratioKey(0.5), '0.5');
    assert.equal(ratioKey(0.05), '0.05');
  });
});

describe('results file', () => {
  it('round-trips, one point per line, and a missing file reads as undefined', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'sens.json');
    assert.equal(await readResultsIfExists(file), undefined);
    await assert.rejects(loadResults(file), /results file not found/);
    const results = handResults({ p: { 0.1: 0.01, 0.2: -0.02 }, q: { 0.1: { skipped: 'early-stop', reason: 'why', finishedAt: 't' } } });
    await writeResults(file, results);
    assert.deepEqual(await loadResults(file), results);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /\n {6}"0\.1": \{"loss": 0\.01, "metric": 0\.99, "channelsPruned": 1, "seconds": 0\.5, "finishedAt": "[^"]+"\},\n/);
    assert.deepEqual(fs.readdirSync(dir), ['sens.json']);
  });

  it('replaces the file atomically: the old inode is renamed over, never truncated', async () => {
    const file = path.join(tempDir(), 'sens.json');
    await writeResults(file, handResults({ p: { 0.1: 0.01 } }));
    const held = fs.openSync(file, 'r');
    const inode = fs.fstatSync(held).ino;
    await writeResults(file, handResults({ p: { 0.1: 0.01, 0.2: 0.02 } }));
    // The descriptor opened before still reads the complete old file: it was replaced, not rewritten in place.
    const old = JSON.parse(fs.readFileSync(held, 'utf8')) as { points: Record<string, Record<string, unknown>> };
    fs.closeSync(held);
    assert.deepEqual(Object.keys(old.points['p'] ?? {}), ['0.1']);
    assert.notEqual(fs.statSync(file).ino, inode);
    assert.deepEqual(Object.keys((await loadResults(file)).points['p'] ?? {}), ['0.1', '0.2']);
  });

  it('refuses a corrupt (truncated) file and leaves it byte-identical', async () => {
    const good = formatResults(handResults({ p: { 0.1: 0.01 } }));
    await refusesAndKeeps(good.slice(0, good.length / 2), /not valid JSON.*will not overwrite it/s);
    await refusesAndKeeps('', /is empty/);
  });

  it('refuses foreign JSON, a PaddleSlim pickle and a newer format version', async () => {
    await refusesAndKeeps('{"conv1_weights": {"0.1": 0.01}}', /not a PruneLens sensitivity results file.*no "format" field/);
    await refusesAndKeeps('[1, 2, 3]', /not a PruneLens sensitivity results file/);
    await refusesAndKeeps(Buffer.from([0x80, 0x04, 0x95, 0x10, 0x00]), /Python pickle/);
    const newer = { ...handResults({ p: { 0.1: 0.01 } }), version: 99 };
    await refusesAndKeeps(JSON.stringify(newer), /newer PruneLens \(results format version 99/);
  });

  it('names the JSON path of the first malformed field', async () => {
    const results = handResults({ p: { 0.1: 0.01 } });
    const badLoss = JSON.parse(JSON.stringify(results)) as { points: { p: Record<string, { loss: unknown }> } };
    (badLoss.points.p['0.1'] as { loss: unknown }).loss = 'high';
    assert.throws(() => parseResults(JSON.stringify(badLoss), 'f.json'), /f\.json: .*\$\.points\.p\["0\.1"\]\.loss: expected a number, found the string "high"/);
    const badKey = { ...results, points: { p: { '0.30000000000000004': measured(0.1) } } };
    assert.throws(() => parseResults(JSON.stringify(badKey), 'f.json'), /ratio keys must be .* normal form/);
    const danglingGroup = { ...results, params: { p: 'nowhere' } };
    assert.throws(() => parseResults(JSON.stringify(danglingGroup), 'f.json'), /\$\.params\.p: names group "nowhere"/);
    await refusesAndKeeps(JSON.stringify(badLoss), /not a valid results file/);
  });
});
