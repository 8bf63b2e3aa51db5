import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveShard, shardFromEnvironment } from '../../src/core/cluster/autoShard';
import { UsageError } from '../../src/core/util/errors';

const usage = (pattern: RegExp) => (err: unknown) => err instanceof UsageError && pattern.test(err.message);

test('a Slurm array task is shard TASK_ID - MIN + 1 of TASK_COUNT', () => {
  assert.deepEqual(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }), {
    index: 3,
    count: 4,
    from: 'SLURM_ARRAY_TASK_ID=2 of 4 array tasks',
  });
  // An array numbered from 1, and one known only by MIN and MAX.
  assert.equal(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4' }).index, 1);
  assert.deepEqual(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_MAX: '8' }).count, 4);
});

test('with --shards N, Slurm task ids are the 0-based shard indexes, so one shard can be resubmitted alone', () => {
  // sbatch --array=2 scan.sbatch: an array of one task.
  assert.deepEqual(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '1', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2' }, 4), {
    index: 3,
    count: 4,
    from: 'SLURM_ARRAY_TASK_ID=2 with --shards 4',
  });
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4' }, 4), usage(/ids run to 4 .* --shards 4 takes ids 0 to 3; submit the array as --array=0-3/));
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '8' }, 4), usage(/the array has 8 tasks .* but --shards says 4; they must agree/));
});

test('Slurm without a count, or with a stepped array, is refused with what to do', () => {
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1' }), usage(/SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT .* give the shard count with --shards N/));
  // --array=0-6:2 gives tasks 0, 2, 4, 6: four tasks over seven ids.
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '6' }), usage(/not one run of ids .* --array=0-3/));
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: 'two', SLURM_ARRAY_TASK_COUNT: '4' }), usage(/SLURM_ARRAY_TASK_ID must be a whole number, got "two"/));
});

test('a Kubernetes Indexed Job pod is shard JOB_COMPLETION_INDEX + 1, with the count from --shards', () => {
  assert.deepEqual(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }, 3), { index: 1, count: 3, from: 'JOB_COMPLETION_INDEX=0 with --shards 3' });
  assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }), usage(/JOB_COMPLETION_INDEX is set .* give --shards N, the Job's completions/));
  assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '3' }, 3), usage(/JOB_COMPLETION_INDEX=3 but --shards 3 takes indexes 0 to 2/));
});

test('neither engine, or both at once, is a clear error', () => {
  assert.throws(() => shardFromEnvironment({}), usage(/neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX .* give --shard i\/N/));
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2', JOB_COMPLETION_INDEX: '1' }, 2), usage(/both SLURM_ARRAY_TASK_ID \(0\) and JOB_COMPLETION_INDEX \(1\) are set/));
  assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }, 0), usage(/--shards must be a whole number >= 1/));
});

test('resolveShard turns --shard and --shards into the shard task and its file', () => {
  assert.equal(resolveShard(undefined, undefined, 'sens.json', {}), undefined);
  assert.deepEqual(resolveShard('auto', 4, '/r/sens.json', { JOB_COMPLETION_INDEX: '1' }), {
    index: 2,
    count: 4,
    file: '/r/sens.shard-2-of-4.json',
    from: 'JOB_COMPLETION_INDEX=1 with --shards 4',
  });
  assert.deepEqual(resolveShard('2/4', undefined, 'sens.json', {}), { index: 2, count: 4, file: 'sens.shard-2-of-4.json', from: '--shard 2/4' });
  assert.deepEqual(resolveShard('2/4', 4, 'sens.json', {})?.index, 2);
  assert.throws(() => resolveShard('2/4', 3, 'sens.json', {}), usage(/--shard 2\/4 and --shards 3 disagree/));
  assert.throws(() => resolveShard(undefined, 4, 'sens.json', {}), usage(/--shards N goes with --shard auto/));
  assert.throws(() => resolveShard('5/4', undefined, 'sens.json', {}), usage(/--shard must be i\/N with 1 <= i <= N/));
});
