import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costShare, describeShare, planShards, samePlan, shardOfGroup } from '../../src/core/sensitivity/shardPlan';

const items = [
  { group: 'a', cost: 95 },
  { group: 'b', cost: 60 },
  { group: 'c', cost: 50 },
  { group: 'd', cost: 40 },
  { group: 'e', cost: 5 },
  { group: 'f', cost: 1 },
];

test('the plan is longest-processing-time first: each group, costliest first, to the least loaded shard', () => {
  const plan = planShards(items, 2, [0.2, 0.5]);
  // a (95) -> 1; b (60) -> 2; c (50) -> 2 (110); d (40) -> 1 (135); e (5) -> 2 (115); f (1) -> 2 (116).
  assert.deepEqual(
    plan.shares.map((s) => s.groups),
    [
      ['a', 'd'],
      ['b', 'c', 'e', 'f'],
    ],
  );
  assert.deepEqual(
    plan.shares.map((s) => s.cost),
    [135, 116],
  );
  assert.deepEqual(plan.ratios, [0.2, 0.5]);
});

test('balanced by cost, not by count: one costly group can outweigh many cheap ones', () => {
  const plan = planShards(
    [
      { group: 'first', cost: 1000 },
      ...Array.from({ length: 9 }, (_, i) => ({ group: `late${i}`, cost: 100 })),
    ],
    2,
    [0.5],
  );
  assert.deepEqual(plan.shares[0]?.groups, ['first']);
  assert.equal(plan.shares[1]?.groups.length, 9);
});

test('shares keep network order, so a shard still chains its upstream passes', () => {
  const plan = planShards(items, 3, [0.5]);
  for (const share of plan.shares) {
    const order = share.groups.map((g) => items.findIndex((i) => i.group === g));
    assert.deepEqual(order, [...order].sort((x, y) => x - y));
  }
});

test('the plan is deterministic: equal costs are broken by network order and shard number', () => {
  const flat = ['p', 'q', 'r', 's', 't'].map((group) => ({ group, cost: 7 }));
  const one = planShards(flat, 2, [0.3]);
  assert.deepEqual(
    one.shares.map((s) => s.groups),
    [
      ['p', 'r', 't'],
      ['q', 's'],
    ],
  );
  assert.deepEqual(planShards([...flat], 2, [0.3]), one);
  assert.ok(samePlan(one, planShards(flat, 2, [0.3])));
});

test('more shards than groups leaves the extra shares empty; zero-cost groups still get a place', () => {
  const plan = planShards(
    [
      { group: 'x', cost: 0 },
      { group: 'y', cost: 3 },
    ],
    4,
    [0.1],
  );
  assert.deepEqual(
    plan.shares.map((s) => s.groups),
    [['y'], ['x'], [], []],
  );
  assert.equal(shardOfGroup(plan, 'x'), 2);
  assert.equal(shardOfGroup(plan, 'z'), undefined);
  assert.throws(() => planShards(items, 0, [0.1]), /shard count must be a whole number >= 1/);
});

test('samePlan compares placement and ratios, not costs', () => {
  const plan = planShards(items, 2, [0.2, 0.5]);
  const cheaper = { ...plan, shares: plan.shares.map((s) => ({ ...s, cost: 1 })) };
  assert.ok(samePlan(plan, cheaper));
  assert.ok(!samePlan(plan, planShards(items, 2, [0.2])));
  assert.ok(!samePlan(plan, planShards(items, 3, [0.2, 0.5])));
  assert.ok(!samePlan(plan, undefined));
  assert.ok(samePlan(undefined, undefined));
});

test('a share is described by its groups and its part of the estimated cost', () => {
  const plan = planShards(items, 2, [0.2, 0.5]);
  assert.equal(Math.round(1000 * costShare(plan, 1)), Math.round((1000 * 135) / 251));
  assert.equal(describeShare(plan, 1), '2 groups, 54% of the estimated cost');
  assert.equal(describeShare(planShards([{ group: 'x', cost: 0 }], 2, [0.1]), 2), '0 groups, 0% of the estimated cost');
});
