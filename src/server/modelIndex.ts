/**
 * What the server has read: results files (parsed and checked by the core) and model
 * facts (computed by a describe worker), each cached until the files behind it change.
 * Hover and diagnostics read through here, so a hover during a scan costs a stat and a
 * map lookup, and a model is described once however often it is hovered.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { liveResultsFiles, readLiveResults } from '../core/sensitivity/liveResults';
import { isShardFile, mainFileOf } from '../core/sensitivity/shards';
import type { ShardSetSummary } from '../shared/protocol';
import type { SensitivityResults } from '../shared/results';
import type { ModelFacts } from '../shared/modelFacts';

export interface ResultsEntry {
  readonly file: string;
  readonly results?: SensitivityResults;
  readonly error?: string;
  /** Where a split scan stands, when shard files lie beside the file (or it is a partial merge). */
  readonly shards?: ShardSetSummary;
  /** Whether the file itself exists (a split scan's results file may not, before its merge). */
  readonly exists?: boolean;
}

interface Cached<T> {
  readonly signature: string;
  readonly value: Promise<T>;
}

async function signatureOf(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(files.map((f) => fsp.stat(f).then((s) => `${s.mtimeMs}:${s.size}`, () => 'missing')));
  return parts.join('|');
}

/** Files beside a model that hold its weights: a TF.js model's .bin shards, an ONNX model's external data. */
function isWeightFile(file: string): boolean {
  return file.endsWith('.bin') || file.endsWith('.data');
}

/** A model file and the weight files beside it: a change to any of them changes the model. */
async function modelFiles(modelFile: string): Promise<string[]> {
  const dir = path.dirname(modelFile);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return [modelFile, ...names.filter(isWeightFile).sort().map((n) => path.join(dir, n))];
}

/** Whether a changed file may change a model's facts: a model file (model.json, .onnx) or its weights. */
export function isModelFile(file: string): boolean {
  return file.endsWith('model.json') || file.endsWith('.onnx') || isWeightFile(file);
}

export class ModelIndex {
  private readonly results = new Map<string, Cached<ResultsEntry>>();
  private readonly facts = new Map<string, Cached<ModelFacts>>();
  /** Describes run one after another: each is a process loading TF.js and a whole model. */
  private describeQueue: Promise<unknown> = Promise.resolve();
  private resultsFiles: string[] = [];

  constructor(private readonly describe: (model: string) => Promise<ModelFacts>) {}

  /** The results files known in the workspace (from the last scan, plus any seen since). */
  knownResultsFiles(): readonly string[] {
    return this.resultsFiles;
  }

  setResultsFiles(files: readonly string[]): void {
    this.resultsFiles = [...new Set(files.map((f) => path.resolve(f)))].sort();
  }

  noteResultsFile(file: string, exists: boolean): void {
    const key = path.resolve(file);
    const others = this.resultsFiles.filter((f) => f !== key);
    this.resultsFiles = exists ? [...others, key].sort() : others;
  }

  /**
   * The results in `file` merged with the shard files beside it (core/sensitivity/liveResults.ts),
   * read again only when one of them, or a lock on one, changed on disk.
   */
  async readResults(file: string): Promise<ResultsEntry> {
    const key = path.resolve(file);
    const signature = await signatureOf(await liveResultsFiles(key));
    const cached = this.results.get(key);
    if (cached !== undefined && cached.signature === signature) return cached.value;
    const value = readLiveResults(key).then(
      (live): ResultsEntry => ({ file: key, results: live.results, exists: live.exists, ...(live.shards !== undefined ? { shards: live.shards } : {}) }),
      (err: Error): ResultsEntry => ({ file: key, error: err.message }),
    );
    this.results.set(key, { signature, value });
    return value;
  }

  /** Every known results file, read (or taken from the cache). */
  async allResults(): Promise<ResultsEntry[]> {
    return Promise.all(this.resultsFiles.map((f) => this.readResults(f)));
  }

  /** Facts about a model.json, a .onnx file (or zoo:NAME), described again only when its files changed. */
  async modelFacts(model: string): Promise<ModelFacts> {
    const key = model.startsWith('zoo:') ? model : path.resolve(model);
    const signature = key.startsWith('zoo:') ? 'zoo' : await signatureOf(await modelFiles(key));
    const cached = this.facts.get(key);
    if (cached !== undefined && cached.signature === signature) return cached.value;
    const value = this.describeQueue.then(() => this.describe(key));
    this.describeQueue = value.catch(() => undefined);
    // A failure is cached too, until the files change: a model that cannot be described
    // must not cost a worker process on every hover.
    value.catch(() => undefined);
    this.facts.set(key, { signature, value });
    return value;
  }

  /** Forgets what was read from `file` (a watched file changed; a shard file changes its results file). */
  forget(file: string): void {
    const key = path.resolve(file);
    this.results.delete(key);
    if (isShardFile(key)) this.results.delete(mainFileOf(key));
    const weights = isWeightFile(key);
    for (const model of this.facts.keys()) if (model === key || (weights && path.dirname(model) === path.dirname(key))) this.facts.delete(model);
  }
}
