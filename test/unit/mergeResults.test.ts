/**
 * Golden cases for merging results (PaddleSlim's merge_sensitive: a union per param, later
 * inputs win for the same param and ratio), the metadata refusals, --force, and the CLI.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK, main } from '../../src/cli/main';
import { mergeResultFiles, mergeResults } from '../../src/core/sensitivity/merge';
import { loadResults, writeResults } from '../../src/core/sensitivity/resultsFile';
import { PruneLensError } from '../../src/core/util/errors';
import { sensitivitiesOf } from '../../src/shared/ratios';
import { handResults, measured, tempDir } from './sensitivityFixtures';

describe('mergeResults', () => {
  it('is a union per param; for the same param and ratio the later input wins', () => {
    const a = handResults({ p: { 0.1: 0.01, 0.2: 0.02 }, q: { 0.1: 0.5 } });
    const b = handResults({ p: { 0.2: 0.03, 0.3: -0.01 }, r: { 0.4: 0.2 } });
    const { results, warnings } = mergeResults([a, b]);
    assert.deepEqual(sensitivitiesOf(results), {
      p: { '0.1': 0.01, '0.2': 0.03, '0.3': -0.01 },
      q: { '0.1': 0.5 },
      r: { '0.4': 0.2 },
    });
    assert.deepEqual(results.metadata.ratios, [0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(warnings, []);
    // The other order: the first file's 0.2 wins now.
    assert.equal(sensitivitiesOf(mergeResults([b, a]).results)['p']?.['0.2'], 0.02);
  });

  it('keeps a measured point over an early-stop marker whatever the order', () => {
    const skipped = handResults({ p: { 0.1: 0.3, 0.2: { skipped: 'early-stop', reason: 'r', finishedAt: 't' } } });
    const full = handResults({ p: { 0.2: 0.4 } });
    assert.deepEqual(mergeResults([full, skipped]).results.points['p']?.['0.2'], measured(0.4));
    assert.deepEqual(mergeResults([skipped, full]).results.points['p']?.['0.2'], measured(0.4));
  });

  it('refuses results from different models, datasets, metrics or criteria, naming each difference', () => {
    const a = handResults({ p: { 0.1: 0.01 } });
    const cases: [Parameters<typeof handResults>[1], RegExp][] = [
      [{ model: 'x'.repeat(64) }, /different model: fingerprint m{12}\.\.\. in a\.json, fingerprint x{12}\.\.\. in b\.json/],
      [{ dataset: 'y'.repeat(64) }, /different dataset/],
      [{ metric: 'agreement' }, /different metric: top1 in a\.json, agreement in b\.json/],
      [{ criterion: 'geometry_median' }, /different pruning criterion/],
    ];
    for (const [opts, pattern] of cases) {
      const b = handResults({ p: { 0.2: 0.02 } }, opts);
      assert.throws(() => mergeResults([a, b], { names: ['a.json', 'b.json'] }), (e: unknown) => e instanceof PruneLensError && pattern.test(e.message) && /--force/.test(e.message));
    }
  });

  it('--force merges anyway, with warnings, and the last input metadata wins', () => {
    const a = handResults({ p: { 0.1: 0.01 } });
    const b = handResults({ p: { 0.2: 0.02 } }, { metric: 'agreement', baseline: 1 });
    const { results, warnings } = mergeResults([a, b], { force: true });
    assert.equal(results.metadata.metric, 'agreement');
    assert.deepEqual(Object.keys(results.points['p'] ?? {}), ['0.1', '0.2']);
    assert.ok(warnings.some((w) => /forced.*different metric/.test(w)));
    assert.ok(warnings.some((w) => /baselines differ/.test(w)));
  });

  it('refuses conflicting group membership unless forced', () => {
    const a = handResults({ p: { 0.1: 0.01 }, q: { 0.1: 0.02 } }, { groups: { g: ['p', 'q'] } });
    const b = handResults({ p: { 0.1: 0.01 }, q: { 0.1: 0.02 } });
    assert.throws(() => mergeResults([a, b]), /puts p in group p, an earlier input in group g/);
    assert.deepEqual(Object.keys(mergeResults([a, b], { force: true }).results.groups).sort(), ['p', 'q']);
  });
});

describe('prunelens merge', () => {
  it('merges files (seed step 7.3) and refuses mismatched ones with exit code 1', async () => {
    const dir = tempDir();
    const [a, b, c, out] = ['a.json', 'b.json', 'c.json', 'all.json'].map((f) => path.join(dir, f)) as [string, string, string, string];
    await writeResults(a, handResults({ p: { 0.1: 0.01, 0.2: 0.02 } }));
    await writeResults(b, handResults({ p: { 0.4: 0.04 } }));
    await writeResults(c, handResults({ p: { 0.4: 0.04 } }, { model: 'z'.repeat(64) }));
    const lines: string[] = [];
    const ctx = { log: (l: string) => lines.push(l), signal: new AbortController().signal };
    assert.equal(await main(['merge', a, b, '-o', out], ctx), EXIT_OK);
    assert.deepEqual(Object.keys((await loadResults(out)).points['p'] ?? {}), ['0.1', '0.2', '0.4']);
    assert.deepEqual((await mergeResultFiles([a, b])).results.points, (await loadResults(out)).points);
    const write = process.stderr.write.bind(process.stderr);
    const errors: string[] = [];
    process.stderr.write = ((chunk: string) => errors.push(chunk) > 0) as typeof process.stderr.write;
    try {
      assert.equal(await main(['merge', a, c, '-o', path.join(dir, 'bad.json')], ctx), EXIT_FAILED);
    } finally {
      process.stderr.write = write;
    }
    assert.match(errors.join(''), /different model/);
    assert.equal(fs.existsSync(path.join(dir, 'bad.json')), false);
    assert.equal(await main(['merge', a, c, '-o', path.join(dir, 'forced.json'), '--force'], ctx), EXIT_OK);
  });
});
