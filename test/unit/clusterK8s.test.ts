/**
 * The Kubernetes generator (src/core/cluster/k8s.ts), field by field: the Indexed Job
 * (index variable, completion mode, completions and parallelism, per-index backoff and
 * failure policy), the merge Job and how it is ordered after the scan, the volume. The
 * manifests are JSON, parsed back here as kubectl would read them. They are not run against
 * a cluster here; the merge's shell command is run, with a stand-in for prunelens.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { k8sManifests, type K8sOptions } from '../../src/core/cluster/k8s';
import { UsageError } from '../../src/core/util/errors';
import { tempDir } from './sensitivityFixtures';

const dir = tempDir('prunelens-k8s-gen-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const options: K8sOptions = {
  model: 'models/mobilenet/model.json',
  data: '/work/data',
  file: 'results/sens.json',
  shards: 8,
  scanArgs: ['--params', '_sep_weights'],
  prunelens: ['prunelens'],
  threads: 4,
  name: 'mnv1',
  namespace: 'ml',
  image: 'registry.example/prunelens:0.1.0',
  claim: 'mnv1-work',
  storage: '50Gi',
  storageClass: 'nfs',
  mountPath: '/work',
  memory: '8Gi',
  retries: 3,
};

type Obj = Record<string, unknown>;
const at = (value: unknown, ...keys: (string | number)[]): unknown => keys.reduce<unknown>((v, k) => (v as Obj | unknown[] | undefined)?.[k as never], value);

test('the scan is an Indexed Job: completions = parallelism = shards, retries per index, the index in JOB_COMPLETION_INDEX', () => {
  const job = JSON.parse(k8sManifests(options)['scan-job.json']) as Obj;
  assert.equal(job['apiVersion'], 'batch/v1');
  assert.equal(job['kind'], 'Job');
  assert.deepEqual(job['metadata'], {
    name: 'mnv1-scan',
    namespace: 'ml',
    labels: { 'app.kubernetes.io/name': 'prunelens', 'app.kubernetes.io/component': 'scan', 'prunelens.dev/scan': 'mnv1' },
  });
  const spec = job['spec'] as Obj;
  assert.equal(spec['completionMode'], 'Indexed');
  assert.equal(spec['completions'], 8);
  assert.equal(spec['parallelism'], 8);
  assert.equal(spec['backoffLimitPerIndex'], 3);
  // PruneLens's own errors fail the index at once: a retry would fail the same way.
  assert.deepEqual(spec['podFailurePolicy'], { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'scan', operator: 'In', values: [1, 2] } }] });
  assert.deepEqual(at(spec, 'template', 'metadata', 'labels', 'prunelens.dev/scan'), 'mnv1');
  const pod = at(spec, 'template', 'spec') as Obj;
  assert.equal(pod['restartPolicy'], 'Never');
  assert.deepEqual(pod['volumes'], [{ name: 'work', persistentVolumeClaim: { claimName: 'mnv1-work' } }]);
  const containers = pod['containers'] as Obj[];
  assert.equal(containers.length, 1);
  const scan = containers[0] as Obj;
  assert.equal(scan['name'], 'scan');
  assert.equal(scan['image'], 'registry.example/prunelens:0.1.0');
  assert.deepEqual(scan['command'], [
    'prunelens',
    'sensitivity',
    '/work/models/mobilenet/model.json',
    '--file',
    '/work/results/sens.json',
    '--data',
    '/work/data',
    '--shard',
    'auto',
    '--shards',
    '8',
    '--threads',
    '4',
    '--params',
    '_sep_weights',
  ]);
  assert.deepEqual(scan['env'], [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
  assert.deepEqual(scan['resources'], { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } });
  assert.deepEqual(scan['volumeMounts'], [{ name: 'work', mountPath: '/work' }]);
  const fewer = JSON.parse(k8sManifests({ ...options, maxParallel: 2 })['scan-job.json']) as Obj;
  assert.deepEqual([at(fewer, 'spec', 'completions'), at(fewer, 'spec', 'parallelism')], [8, 2]);
});

test('the volume claim is ReadWriteMany with the size and class asked for, and only written when asked', () => {
  const files = k8sManifests(options);
  assert.deepEqual(JSON.parse(files['claim.json'] ?? '{}'), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'mnv1-work', namespace: 'ml', labels: { 'app.kubernetes.io/name': 'prunelens', 'app.kubernetes.io/component': 'volume', 'prunelens.dev/scan': 'mnv1' } },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'nfs' },
  });
  const { storage: _storage, ...existing } = options;
  assert.equal(k8sManifests(existing)['claim.json'], undefined);
  assert.doesNotMatch(k8sManifests(existing)['submit.sh'], /claim\.json/);
});

test('the merge Job runs after the scan: submit.sh waits for the scan Job to complete, and the merge refuses an incomplete set', () => {
  const files = k8sManifests(options);
  const merge = JSON.parse(files['merge-job.json']) as Obj;
  assert.equal(at(merge, 'metadata', 'name'), 'mnv1-merge');
  assert.equal(at(merge, 'spec', 'backoffLimit'), 0);
  assert.equal(at(merge, 'spec', 'completionMode'), undefined);
  const container = at(merge, 'spec', 'template', 'spec', 'containers', 0) as Obj;
  assert.deepEqual([container['name'], container['image'], at(container, 'resources', 'requests', 'cpu')], ['merge', options.image, '1']);
  assert.deepEqual(at(merge, 'spec', 'template', 'spec', 'volumes'), [{ name: 'work', persistentVolumeClaim: { claimName: 'mnv1-work' } }]);
  const command = container['command'] as string[];
  assert.deepEqual(command.slice(0, 2), ['sh', '-c']);
  assert.match(command[2] ?? '', /prunelens merge "\$@" -o \/work\/results\/sens\.json\n/);
  const submit = files['submit.sh'].split('\n');
  const order = ['apply -f "$here/claim.json"', 'apply -f "$here/scan-job.json"', 'get job mnv1-scan', 'apply -f "$here/merge-job.json"', 'wait --for=condition=complete --timeout=-1s job/mnv1-merge'].map((cue) =>
    submit.findIndex((l) => l.includes(`kubectl -n ml ${cue}`)),
  );
  assert.ok(order.every((i) => i >= 0), `${order}`);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.ok(files['submit.sh'].includes('*Complete*) break ;;'));
  assert.ok(files['submit.sh'].includes('*Failed*)'));
  const file = path.join(dir, 'submit.sh');
  fs.writeFileSync(file, files['submit.sh']);
  assert.equal(spawnSync('sh', ['-n', file]).status, 0);
});

test("the merge container's command, run: the results file first, then this split's shard files", () => {
  const mount = path.join(dir, 'volume');
  const results = path.join(mount, 'results');
  fs.mkdirSync(results, { recursive: true });
  for (const name of ['sens.shard-1-of-8.json', 'sens.shard-2-of-8.json', 'sens.shard-1-of-4.json']) fs.writeFileSync(path.join(results, name), '{}');
  const log = path.join(dir, 'calls.log');
  const fake = path.join(dir, 'fake-prunelens');
  fs.writeFileSync(fake, `#!/bin/sh\necho "prunelens $*" >> ${log}\n`, { mode: 0o755 });
  const merge = JSON.parse(k8sManifests({ ...options, mountPath: mount, data: 'data', prunelens: [fake] })['merge-job.json']) as Obj;
  const [shell, flag, script] = at(merge, 'spec', 'template', 'spec', 'containers', 0, 'command') as string[];
  execFileSync(shell as string, [flag as string, script as string]);
  const main = path.join(results, 'sens.json');
  assert.deepEqual(fs.readFileSync(log, 'utf8').trim().split('\n'), [
    `prunelens merge ${path.join(results, 'sens.shard-1-of-8.json')} ${path.join(results, 'sens.shard-2-of-8.json')} -o ${main}`,
    `prunelens status ${main}`,
  ]);
});

test('bad options are refused with what is expected', () => {
  const bad: [Partial<K8sOptions>, RegExp][] = [
    [{ file: '/elsewhere/sens.json' }, /the results file "\/elsewhere\/sens\.json" is not on the volume mounted at \/work/],
    [{ model: '../model.json' }, /the model "\.\.\/model\.json" is not on the volume/],
    [{ name: 'My_Scan' }, /--name must be a DNS label/],
    [{ memory: '8 GB' }, /--mem must be a Kubernetes quantity/],
    [{ image: ' ' }, /--image is required/],
    [{ scanArgs: ['--workers', '2'] }, /--workers is set by the generated job itself/],
    [{ mountPath: 'work' }, /--mount must be an absolute path/],
  ];
  for (const [change, pattern] of bad) assert.throws(() => k8sManifests({ ...options, ...change }), (e: unknown) => e instanceof UsageError && pattern.test(e.message), pattern.source);
  assert.equal(JSON.parse(k8sManifests({ ...options, model: 'zoo:mobilenetV1' })['scan-job.json']).spec.template.spec.containers[0].command[2], 'zoo:mobilenetV1');
});
