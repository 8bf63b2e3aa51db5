/**
 * The server's jobs: starting them (checked spec, lock, journal entry, worker processes),
 * cancelling them, listing them, and resuming the ones an earlier server left running.
 * Jobs on different files run side by side; a second job on a file that is in use is
 * refused with the name of the job that holds it.
 */
import { foldLeftovers } from '../core/jobs/shardedScan';
import { keepPrevious } from '../core/sensitivity/generations';
import { loadResults, readResultsIfExists } from '../core/sensitivity/resultsFile';
import type { JobInfo, JobSpec, PointNotification, SensitivityJobSpec } from '../shared/protocol';
import { Job } from './job';
import type { JobJournal } from './jobJournal';
import type { JobLocks } from './jobLock';
import { completeSensitivity, lockTarget, normaliseSpec, recordedModel, SpecError, titleOf } from './jobSpecs';
import type { WorkerLauncher } from '../core/jobs/workerProcess';
import type { RunEnv } from '../shared/jobs';

export interface JobManagerOptions {
  readonly launcher: WorkerLauncher;
  readonly journal: JobJournal;
  readonly locks: JobLocks;
  /** The worker settings now (they may change between jobs). */
  readonly env: () => RunEnv;
  /** The folder relative paths in specs are relative to (the first workspace folder). */
  readonly base: () => string;
  readonly log: (line: string) => void;
  readonly onStatus: (info: JobInfo) => void;
  readonly onPoint: (point: PointNotification) => void;
  readonly onResultsChanged: (file: string) => void;
  /** Called once per job start, for work-done progress in the editor. */
  readonly onJobStarted?: (job: Job) => void;
  /** Times a job's workers may be restarted after dying unasked (default 2). */
  readonly maxRestarts?: number;
}

/** Finished jobs kept for listJobs, newest last. */
const FINISHED_KEPT = 20;

let counter = 0;

function newJobId(): string {
  counter++;
  return `${Date.now().toString(36)}-${process.pid.toString(36)}-${counter}`;
}

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  /** Jobs that have ended but are still releasing their lock and journal entry. */
  private readonly finishing = new Map<string, Promise<void>>();
  /** Set on shutdown: jobs stopped now were interrupted, not cancelled, and will resume. */
  private interrupted = false;

  constructor(private readonly opts: JobManagerOptions) {}

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => j.info());
  }

  /** Starts a job from what a client sent; resolves once it runs (not when it ends). */
  async start(raw: unknown): Promise<JobInfo> {
    let spec = normaliseSpec(raw, this.opts.base());
    if (spec.kind === 'sensitivity') spec = await this.prepareSensitivity(spec);
    if (spec.kind === 'prune' && spec.model === undefined && 'results' in spec.ratios) {
      const model = recordedModel(await loadResults(spec.ratios.results), spec.ratios.results, this.opts.base());
      if (model === undefined) throw new SpecError('the results file does not name its model; pick the model file');
      spec = { ...spec, model };
    }
    return this.launch(newJobId(), spec, new Date().toISOString());
  }

  async cancel(id: string): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job === undefined || !job.running) return false;
    await job.cancel();
    await this.finishing.get(id);
    return true;
  }

  /** Runs again every job the journal says an earlier server left running. */
  async resumePending(): Promise<void> {
    for (const entry of await this.opts.journal.pending()) {
      if (this.jobs.has(entry.id)) continue;
      try {
        this.opts.log(`resuming job ${entry.id} (${titleOf(entry.spec)}) from its files`);
        await this.launch(entry.id, entry.spec, entry.startedAt);
      } catch (err) {
        this.opts.log(`could not resume job ${entry.id}: ${(err as Error).message}`);
        await this.opts.journal.remove(entry.id);
      }
    }
  }

  /**
   * Stops every worker without forgetting the jobs: their journal entries stay, so the
   * next server resumes them. Used when the server shuts down.
   */
  async shutdown(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.running);
    this.interrupted = true;
    await Promise.all(running.map((j) => j.cancel(200)));
    await Promise.all(this.finishing.values());
    await this.opts.locks.releaseAll();
  }

  /**
   * Fills a sensitivity spec from its results file, and for a restart moves the old file
   * aside. The journal gets the completed spec without `restart`, so that resuming never
   * moves the half-done new file aside again.
   */
  private async prepareSensitivity(spec: SensitivityJobSpec): Promise<SensitivityJobSpec> {
    const existing = await readResultsIfExists(spec.file);
    const complete = completeSensitivity(spec, existing, this.opts.base());
    return { ...complete, restart: existing !== undefined && spec.restart === true };
  }

  private async launch(id: string, spec: JobSpec, startedAt: string): Promise<JobInfo> {
    const target = lockTarget(spec);
    const title = titleOf(spec);
    const token = target !== undefined ? await this.opts.locks.acquire(target, id, title) : undefined;
    try {
      if (spec.kind === 'sensitivity' && spec.restart) {
        // Shards an interrupted run left belong to the old file: folded into it before it is kept.
        await foldLeftovers(spec.file, spec.force ?? false, { log: this.opts.log });
        const kept = await keepPrevious(spec.file);
        if (kept !== undefined) this.opts.log(`starting ${spec.file} over; the earlier results are kept as ${kept}`);
        const { restart: _restart, ...rest } = spec;
        spec = rest;
      }
      await this.opts.journal.add({ id, spec, startedAt });
    } catch (err) {
      if (target !== undefined) await this.opts.locks.release(target);
      throw err;
    }
    const job = new Job(id, spec, title, startedAt, {
      launcher: this.opts.launcher,
      // The job's workers write under this server's lock on its file.
      env: { ...this.opts.env(), lock: { wait: false, label: title, ...(token !== undefined ? { token } : {}) } },
      maxRestarts: this.opts.maxRestarts ?? 2,
      log: (line) => this.opts.log(`[${title}] ${line}`),
      // The final status waits for the lock and the journal entry to be gone (below), so
      // that whoever hears "ended" may start the next job on the same file at once.
      onStatus: (info) => info.state === 'running' && this.opts.onStatus(info),
      onPoint: this.opts.onPoint,
      onResultsChanged: this.opts.onResultsChanged,
    });
    this.jobs.set(id, job);
    this.forgetOldJobs();
    this.opts.onJobStarted?.(job);
    const finished = job.run().then(async () => {
      if (target !== undefined) await this.opts.locks.release(target);
      // An interrupted job (the server is shutting down) stays in the journal to be resumed.
      if (!this.interrupted) await this.opts.journal.remove(id);
      this.finishing.delete(id);
      this.opts.onStatus(job.info());
    });
    this.finishing.set(id, finished);
    return job.info();
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((j) => !j.running);
    for (const job of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.jobs.delete(job.id);
  }
}
