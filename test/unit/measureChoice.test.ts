import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureChoices } from '../../src/extension/measureChoice';

test('Analyze offers exact first, then quick at the loss budget the explorer starts at, then quick to a precision', () => {
  const [exact, atBudget, precise, ...rest] = measureChoices(0.02);
  assert.equal(rest.length, 0);
  assert.equal(exact?.label, 'Exact');
  assert.equal(exact?.quick, undefined, 'the default measures every image');
  assert.equal(atBudget?.label, 'Quick, at a loss budget of 2.00%');
  assert.deepEqual(atBudget?.quick, { loss: 0.02 });
  assert.match(atBudget?.detail ?? '', /wholly above or below 2\.00%/);
  assert.equal(precise?.label, 'Quick, to ±0.5 points');
  assert.deepEqual(precise?.quick, { precision: 0.005 });
});
