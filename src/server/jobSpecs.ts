/**
 * What the server does with a job spec before a worker sees it: check its shape (it comes
 * over the wire), make its paths absolute, fill a sensitivity spec from its results file,
 * and say which path the job locks and what to call it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetOptions, JobSpec, SensitivityJobSpec } from '../shared/protocol';
import type { SensitivityResults } from '../shared/results';
import { CRITERIA, EVAL_ENGINES, isOneOf, METRICS, OPTIMIZERS, parseDatasetLabel, SCAN_ENGINES, SPLITS } from '../shared/vocabulary';

export class SpecError extends Error {}

function need(ok: boolean, message: string): void {
  if (!ok) throw new SpecError(message);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function abs(base: string, p: string): string {
  return p.startsWith('zoo:') || p === 'builtin' ? p : path.resolve(base, p);
}

/** Dataset options with their paths absolute. */
function absDatasetOptions(base: string, options: DatasetOptions | undefined): { datasetOptions?: DatasetOptions } {
  if (options === undefined) return {};
  return { datasetOptions: { ...options, ...(options.classesFile ? { classesFile: abs(base, options.classesFile) } : {}), ...(options.cacheDir ? { cacheDir: abs(base, options.cacheDir) } : {}) } };
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], what: string): void {
  need(value === undefined || isOneOf(allowed, value), `${what} must be one of ${allowed.join(', ')}`);
}

function checkModelSpec(spec: { model?: unknown }, required: boolean, what: string): void {
  need(required ? isText(spec.model) : spec.model === undefined || isText(spec.model), `${what} needs a model`);
}

/** Checks what the client sent and returns it with every path absolute (relative to `base`). */
export function normaliseSpec(raw: unknown, base: string): JobSpec {
  need(typeof raw === 'object' && raw !== null, 'the job spec must be an object');
  const spec = raw as JobSpec;
  switch (spec.kind) {
    case 'sensitivity': {
      need(isText(spec.file), 'a sensitivity job needs a results file');
      checkModelSpec(spec, false, 'a sensitivity job');
      need(spec.ratios === undefined || (Array.isArray(spec.ratios) && spec.ratios.every((r) => typeof r === 'number' && r > 0 && r < 1)), 'ratios must be numbers between 0 and 1');
      need(spec.workers === undefined || (Number.isInteger(spec.workers) && spec.workers >= 1 && spec.workers <= 64), 'workers must be a whole number from 1 to 64');
      checkEnum(spec.criterion, CRITERIA, 'the criterion');
      checkEnum(spec.metric, METRICS, 'the metric');
      checkEnum(spec.engine, SCAN_ENGINES, 'the engine');
      checkEnum(spec.split, SPLITS, 'the split');
      return { ...spec, file: abs(base, spec.file), ...(spec.model ? { model: abs(base, spec.model) } : {}), ...(spec.dataset ? { dataset: abs(base, spec.dataset) } : {}), ...absDatasetOptions(base, spec.datasetOptions) };
    }
    case 'merge':
      need(Array.isArray(spec.inputs) && spec.inputs.every(isText) && isText(spec.output), 'a merge job needs input files and an output file');
      return { ...spec, inputs: spec.inputs.map((f) => abs(base, f)), output: abs(base, spec.output) };
    case 'ratios':
      need(isText(spec.file) && typeof spec.rule === 'object' && spec.rule !== null, 'a ratios job needs a results file and a rule');
      need(spec.output === undefined || isText(spec.output), 'the ratios file to write must be a path');
      return { ...spec, file: abs(base, spec.file), ...(spec.output !== undefined ? { output: abs(base, spec.output) } : {}) };
    case 'prune': {
      need(isText(spec.output) && typeof spec.ratios === 'object' && spec.ratios !== null, 'a prune job needs ratios and an output folder');
      need(isText(spec.model) || 'results' in spec.ratios, 'a prune job needs a model (or ratios from a results file, which names its model)');
      checkEnum(spec.criterion, CRITERIA, 'the criterion');
      const r = spec.ratios;
      const ratios = 'file' in r ? { file: abs(base, r.file) } : 'results' in r ? { ...r, results: abs(base, r.results) } : r;
      return { ...spec, ...(spec.model ? { model: abs(base, spec.model) } : {}), output: abs(base, spec.output), ratios };
    }
    case 'train':
      need(isText(spec.model) && isText(spec.dataset) && isText(spec.output), 'a train job needs a model, a dataset and an output folder');
      need(Number.isInteger(spec.epochs) && spec.epochs >= 1, 'epochs must be a whole number of at least 1');
      checkEnum(spec.optimizer, OPTIMIZERS, 'the optimizer');
      return { ...spec, model: abs(base, spec.model), dataset: abs(base, spec.dataset), output: abs(base, spec.output), ...absDatasetOptions(base, spec.datasetOptions) };
    case 'evaluate':
      need(isText(spec.model) && isText(spec.dataset), 'an evaluate job needs a model and a dataset');
      checkEnum(spec.split, SPLITS, 'the split');
      checkEnum(spec.engine, EVAL_ENGINES, 'the engine');
      return { ...spec, model: abs(base, spec.model), dataset: abs(base, spec.dataset), ...absDatasetOptions(base, spec.datasetOptions) };
    case 'describe':
      checkModelSpec(spec, true, 'a describe job');
      return { ...spec, model: abs(base, spec.model) };
    case 'cluster':
      need(spec.scheduler === 'slurm' || spec.scheduler === 'k8s', 'the scheduler must be slurm or k8s');
      need(isText(spec.model) && isText(spec.file) && isText(spec.output), 'a cluster job needs a model, a results file and an output folder');
      need(Number.isInteger(spec.shards) && spec.shards >= 1, 'shards must be a whole number of at least 1');
      need(Array.isArray(spec.scanArgs) && spec.scanArgs.every((a) => typeof a === 'string'), 'the scan options must be a list of words');
      // Model, data and results paths are as the cluster sees them; only the output folder is local.
      return { ...spec, output: abs(base, spec.output) };
    default:
      throw new SpecError(`unknown job kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}

/** The path a job writes and therefore locks; evaluation and description write nothing. */
export function lockTarget(spec: JobSpec): string | undefined {
  switch (spec.kind) {
    case 'sensitivity':
      return spec.file;
    case 'evaluate':
    case 'describe':
      return undefined;
    default:
      return spec.output;
  }
}

export function titleOf(spec: JobSpec): string {
  const name = (p: string): string => path.basename(p);
  switch (spec.kind) {
    case 'sensitivity':
      return `Sensitivity: ${name(spec.file)}`;
    case 'merge':
      return `Merge into ${name(spec.output)}`;
    case 'ratios':
      return `Ratios: ${name(spec.output ?? spec.file)}`;
    case 'prune':
      return `Prune into ${name(spec.output)}`;
    case 'train':
      return `Train: ${name(spec.output)}`;
    case 'evaluate':
      return `Evaluate ${spec.model.startsWith('zoo:') ? spec.model : name(path.dirname(spec.model)) + '/' + name(spec.model)}`;
    case 'describe':
      return `Describe ${name(spec.model)}`;
    case 'cluster':
      return `${spec.scheduler === 'slurm' ? 'Slurm' : 'Kubernetes'} files: ${name(spec.output)}`;
  }
}

/** The model a results file names; a relative path is tried beside the file first. */
export function recordedModel(results: SensitivityResults, file: string, base: string): string | undefined {
  const model = results.metadata.model.path;
  if (model === undefined || model.startsWith('zoo:') || path.isAbsolute(model)) return model;
  const beside = path.resolve(path.dirname(file), model);
  return fs.existsSync(beside) ? beside : path.resolve(base, model);
}

/**
 * The spec with what it leaves out taken from the results file: the model, dataset, split,
 * metric and criterion it was measured with, and (on a restart) its ratios and params.
 */
export function completeSensitivity(spec: SensitivityJobSpec, existing: SensitivityResults | undefined, base: string): SensitivityJobSpec {
  if (existing === undefined) return spec;
  const meta = existing.metadata;
  const data = parseDatasetLabel(meta.dataset.spec);
  const model = spec.model ?? recordedModel(existing, spec.file, base);
  return {
    ...spec,
    ...(model !== undefined ? { model } : {}),
    dataset: spec.dataset ?? abs(base, data.spec),
    split: spec.split ?? data.split,
    metric: spec.metric ?? meta.metric,
    criterion: spec.criterion ?? meta.criterion,
    ...(spec.restart ? { ratios: spec.ratios ?? meta.ratios, params: [...new Set([...(spec.params ?? []), ...Object.keys(existing.params)])] } : {}),
  };
}
