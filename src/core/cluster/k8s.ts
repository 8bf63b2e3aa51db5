/**
 * `prunelens cluster k8s`: Kubernetes manifests for a scan split over an Indexed Job.
 * Kubernetes does the scheduling and the retries; PruneLens only writes manifests, as JSON
 * (which kubectl reads as it reads YAML):
 *
 * - scan-job.json: an Indexed Job (completionMode Indexed, completions = parallelism =
 *   shards), each pod `prunelens sensitivity ... --shard auto --shards N` with the index in
 *   JOB_COMPLETION_INDEX. A failed index is retried on its own (backoffLimitPerIndex) and
 *   resumes from its shard file; PruneLens's own errors (exit 1 or 2) fail the index at once
 *   (podFailurePolicy), since they would fail again.
 * - merge-job.json: `prunelens merge` of the results file and the shard files. It is applied
 *   once the scan Job is complete (`kubectl wait`, in submit.sh); applied early it fails,
 *   because the merge refuses an incomplete shard set.
 * - claim.json (with a storage size): the ReadWriteMany volume for model, data and results,
 *   mounted in every pod; without it, an existing claim is named.
 * - submit.sh: the kubectl commands in order.
 *
 * Pure: it returns the files' text, and the CLI writes them. Checked field by field in
 * test/unit/clusterK8s.test.ts; not run against a cluster here.
 */
import * as path from 'node:path';
import { UsageError } from '../util/errors';
import { checkScanArgs, checkShards, mergeShellLines, scanArgv, type ClusterScan } from './clusterScan';
import { shellLine, shellQuote } from './shell';

export interface K8sOptions extends ClusterScan {
  /** Prefix of the Jobs' names (a DNS label). */
  readonly name: string;
  readonly namespace?: string;
  /** An image with Node 20 and prunelens (docs/scale-out.md). */
  readonly image: string;
  /** The PersistentVolumeClaim holding model, data and results. */
  readonly claim: string;
  /** When set, claim.json creates the claim with this size (e.g. 50Gi). */
  readonly storage?: string;
  readonly storageClass?: string;
  /** Where the claim is mounted in the pods; model, data and results are paths under it. */
  readonly mountPath: string;
  /** Memory per pod, as Kubernetes writes it (e.g. 8Gi); cores are `threads`. */
  readonly memory: string;
  /** Retries per index (backoffLimitPerIndex). */
  readonly retries: number;
  /** Pods at once; absent: all shards. */
  readonly maxParallel?: number;
}

type Json = string | number | boolean | Json[] | { [key: string]: Json };

export interface K8sFiles {
  readonly 'claim.json'?: string;
  readonly 'scan-job.json': string;
  readonly 'merge-job.json': string;
  readonly 'submit.sh': string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)?$/;

function check(o: K8sOptions): void {
  checkShards(o.shards);
  checkScanArgs(o.scanArgs);
  // "-scan" and "-merge" are appended, and a Job's pods add a suffix within 63 characters.
  if (!DNS_LABEL.test(o.name) || o.name.length > 40) throw new UsageError(`--name must be a DNS label of at most 40 characters (lower-case letters, digits, "-"), got "${o.name}"`);
  if (o.namespace !== undefined && !DNS_LABEL.test(o.namespace)) throw new UsageError(`--namespace must be a DNS label, got "${o.namespace}"`);
  if (!DNS_LABEL.test(o.claim)) throw new UsageError(`--claim must be a DNS label, got "${o.claim}"`);
  if (o.image.trim() === '') throw new UsageError('--image is required: an image with Node 20 and prunelens');
  if (!QUANTITY.test(o.memory)) throw new UsageError(`--mem must be a Kubernetes quantity, e.g. 8Gi, got "${o.memory}"`);
  if (o.storage !== undefined && !QUANTITY.test(o.storage)) throw new UsageError(`--storage must be a Kubernetes quantity, e.g. 50Gi, got "${o.storage}"`);
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new UsageError(`--cpus must be a whole number >= 1, got ${o.threads}`);
  if (!Number.isInteger(o.retries) || o.retries < 0) throw new UsageError(`--retries must be a whole number >= 0, got ${o.retries}`);
  if (o.maxParallel !== undefined && (!Number.isInteger(o.maxParallel) || o.maxParallel < 1)) throw new UsageError(`--max-parallel must be a whole number >= 1, got ${o.maxParallel}`);
  if (!path.posix.isAbsolute(o.mountPath)) throw new UsageError(`--mount must be an absolute path in the container, got "${o.mountPath}"`);
}

/** Paths as the pods see them: under the mount; a relative one is taken relative to it. */
function onVolume(o: K8sOptions): K8sOptions {
  const inside = (p: string, what: string): string => {
    const abs = path.posix.resolve(o.mountPath, p);
    const rel = path.posix.relative(o.mountPath, abs);
    if (rel.startsWith('..') || path.posix.isAbsolute(rel)) throw new UsageError(`${what} "${p}" is not on the volume mounted at ${o.mountPath}; every pod sees only that volume`);
    return abs;
  };
  return { ...o, model: o.model.startsWith('zoo:') ? o.model : inside(o.model, 'the model'), file: inside(o.file, 'the results file'), ...(o.data !== undefined ? { data: inside(o.data, 'the data folder') } : {}) };
}

/** Labels on every object and pod, so that one selector finds a scan's pods. */
function labels(o: K8sOptions, component: string): { [key: string]: Json } {
  return { 'app.kubernetes.io/name': 'prunelens', 'app.kubernetes.io/component': component, 'prunelens.dev/scan': o.name };
}

function metadata(o: K8sOptions, name: string, component: string): { [key: string]: Json } {
  return { name, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), labels: labels(o, component) };
}

function podSpec(o: K8sOptions, container: { [key: string]: Json }, cpus: number): { [key: string]: Json } {
  const resources = { cpu: String(cpus), memory: o.memory };
  return {
    restartPolicy: 'Never',
    containers: [{ ...container, image: o.image, resources: { requests: resources, limits: resources }, volumeMounts: [{ name: 'work', mountPath: o.mountPath }] }],
    volumes: [{ name: 'work', persistentVolumeClaim: { claimName: o.claim } }],
  };
}

function scanJob(o: K8sOptions): Json {
  // The Job controller adds this to every container that does not set it; set here from the
  // pod's annotation, so that the manifest itself says where the index comes from.
  const index = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(o, `${o.name}-scan`, 'scan'),
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.maxParallel ?? o.shards,
      backoffLimitPerIndex: o.retries,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'scan', operator: 'In', values: [1, 2] } }] },
      template: { metadata: { labels: labels(o, 'scan') }, spec: podSpec(o, { name: 'scan', command: scanArgv(o), env: [index] }, o.threads) },
    },
  };
}

function mergeJob(o: K8sOptions): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(o, `${o.name}-merge`, 'merge'),
    spec: {
      backoffLimit: 0,
      template: { metadata: { labels: labels(o, 'merge') }, spec: podSpec(o, { name: 'merge', command: ['sh', '-c', ['set -eu', ...mergeShellLines(o)].join('\n')] }, 1) },
    },
  };
}

function claim(o: K8sOptions, storage: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(o, o.claim, 'volume'),
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage } }, ...(o.storageClass !== undefined ? { storageClassName: o.storageClass } : {}) },
  };
}

function submitScript(o: K8sOptions): string {
  const kubectl = shellLine(['kubectl', ...(o.namespace !== undefined ? ['-n', o.namespace] : [])]);
  return [
    '#!/bin/sh',
    `# Runs the scan (an Indexed Job of ${o.shards} pods), waits for it, then runs the merge.`,
    `# Model and data must be on the volume first (claim ${o.claim}, mounted at ${o.mountPath}).`,
    'set -eu',
    'here=$(cd "$(dirname "$0")" && pwd)',
    ...(o.storage !== undefined ? [`${kubectl} apply -f "$here/claim.json"`] : []),
    `${kubectl} apply -f "$here/scan-job.json"`,
    `echo ${shellQuote(`watch: ${kubectl} get pods -l prunelens.dev/scan=${o.name} -w    status: ${kubectl} get job ${o.name}-scan`)}`,
    '# Every index done (Complete), or one failed for good (Failed): kubectl wait takes only one of them.',
    'while :; do',
    `  state=$(${kubectl} get job ${o.name}-scan -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')`,
    '  case "$state" in',
    '    *Complete*) break ;;',
    `    *Failed*) echo "the scan failed for good; failed indexes: $(${kubectl} get job ${o.name}-scan -o 'jsonpath={.status.failedIndexes}')"`,
    `      echo ${shellQuote(`what is missing: ${shellLine([...o.prunelens, 'status', o.file])} (in a pod with the volume); merge what there is with --partial`)}`,
    '      exit 1 ;;',
    '  esac',
    '  sleep 30',
    'done',
    `${kubectl} apply -f "$here/merge-job.json"`,
    `${kubectl} wait --for=condition=complete --timeout=-1s job/${o.name}-merge`,
    `${kubectl} logs job/${o.name}-merge`,
    '',
  ].join('\n');
}

/** The files for `options` (see the module comment). */
export function k8sManifests(options: K8sOptions): K8sFiles {
  check(options);
  const o = onVolume(options);
  const text = (value: Json): string => `${JSON.stringify(value, null, 2)}\n`;
  return {
    ...(o.storage !== undefined ? { 'claim.json': text(claim(o, o.storage)) } : {}),
    'scan-job.json': text(scanJob(o)),
    'merge-job.json': text(mergeJob(o)),
    'submit.sh': submitScript(o),
  };
}
