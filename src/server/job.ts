/**
 * One job from start to end: its worker processes (one, or one per shard of a scan), the
 * progress and points they post, cancellation, and the state the editor sees (JobInfo).
 */
import { pathToFileURL } from 'node:url';
import { foldLeftovers, runShardedScan } from '../core/jobs/shardedScan';
import type { WorkerHandle, WorkerLauncher } from '../core/jobs/workerProcess';
import type { WorkerReply, WorkerRequest } from '../core/jobs/workerProtocol';
import { JobCancelledError, runWorker } from '../core/jobs/workerRun';
import type { JobInfo, JobResult, JobSpec, JobState, PointNotification, RunEnv, SensitivityJobSpec } from '../shared/protocol';

export interface JobContext {
  readonly launcher: WorkerLauncher;
  readonly env: RunEnv;
  readonly maxRestarts: number;
  readonly log: (line: string) => void;
  /** `force`: a state change or a point, which must not be dropped by throttling. */
  readonly onStatus: (info: JobInfo, force: boolean) => void;
  readonly onPoint: (point: PointNotification) => void;
  readonly onResultsChanged: (file: string) => void;
}

/** Least time between two progress-only status updates, so a fast job cannot flood the client. */
const STATUS_INTERVAL_MS = 200;

export class Job {
  private state: JobState = 'running';
  private stage: string | undefined;
  private readonly progress = new Map<number, { done: number; total: number }>();
  private readonly workers = new Set<WorkerHandle>();
  private readonly restarts = { count: 0, max: 0 };
  private result: JobResult | undefined;
  private error: string | undefined;
  private cancelRequested = false;
  /** Set when one shard failed and the others are being stopped. */
  private aborting = false;
  private lastStatus = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  readonly ended: Promise<void>;
  private markEnded: () => void = () => undefined;

  constructor(
    readonly id: string,
    readonly spec: JobSpec,
    readonly title: string,
    readonly startedAt: string,
    private readonly ctx: JobContext,
  ) {
    this.restarts.max = ctx.maxRestarts;
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
  }

  info(): JobInfo {
    const sums = [...this.progress.values()].reduce((s, p) => ({ done: s.done + p.done, total: s.total + p.total }), { done: 0, total: 0 });
    return {
      id: this.id,
      kind: this.spec.kind,
      title: this.title,
      spec: this.spec,
      ...(this.spec.kind === 'sensitivity' ? { file: this.spec.file } : {}),
      state: this.state,
      ...(this.stage !== undefined ? { stage: this.stage } : {}),
      ...sums,
      pids: [...this.workers].map((w) => w.pid),
      restarts: this.restarts.count,
      startedAt: this.startedAt,
      ...(this.result ? { result: this.result } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Runs the job to its end; never throws (the outcome is in the job's state). */
  async run(): Promise<void> {
    try {
      const spec = this.spec;
      const hooks = { log: this.ctx.log, onFolded: this.ctx.onResultsChanged };
      if (spec.kind === 'sensitivity') await foldLeftovers(spec.file, spec.force ?? false, hooks);
      const result = spec.kind === 'sensitivity' && (spec.workers ?? 1) > 1 ? await this.runSharded(spec, spec.workers ?? 1) : await this.runOne({ type: 'job', spec, env: this.ctx.env }, 0);
      this.end('succeeded', result);
    } catch (err) {
      if (this.cancelRequested || err instanceof JobCancelledError) this.end('cancelled');
      else this.end('failed', undefined, err instanceof Error ? err.message : String(err));
    }
  }

  /** Stops every worker (SIGTERM, then SIGKILL after `graceMs`); resolves when the job has ended. */
  async cancel(graceMs = 1000): Promise<void> {
    if (!this.running) return;
    this.cancelRequested = true;
    await Promise.all([...this.workers].map((w) => w.stop(graceMs)));
    await this.ended;
  }

  private end(state: JobState, result?: JobResult, error?: string): void {
    this.state = state;
    this.result = result;
    this.error = error;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.ctx.onStatus(this.info(), true);
    this.markEnded();
  }

  private status(force: boolean): void {
    const now = Date.now();
    if (force || now - this.lastStatus >= STATUS_INTERVAL_MS) {
      if (this.statusTimer) clearTimeout(this.statusTimer);
      this.statusTimer = undefined;
      this.lastStatus = now;
      this.ctx.onStatus(this.info(), force);
    } else if (this.statusTimer === undefined) {
      // A trailing update, so the last progress before a pause is not lost.
      this.statusTimer = setTimeout(() => this.status(true), STATUS_INTERVAL_MS).unref();
    }
  }

  private runOne(request: WorkerRequest, shard: number, onPointWritten?: () => void): Promise<JobResult> {
    return runWorker(request, {
      launcher: this.ctx.launcher,
      restarts: this.restarts,
      cancelled: () => this.cancelRequested || this.aborting,
      log: this.ctx.log,
      onStart: (worker, isRestart) => {
        this.workers.add(worker);
        this.status(isRestart);
      },
      onExit: (worker) => this.workers.delete(worker),
      onReply: (reply) => this.onReply(reply, shard, onPointWritten),
    });
  }

  private onReply(reply: WorkerReply, shard: number, onPointWritten?: () => void): void {
    if (reply.type === 'log') this.ctx.log(reply.text);
    if (reply.type === 'progress') {
      this.stage = reply.stage;
      this.progress.set(shard, { done: reply.done, total: reply.total });
      this.status(false);
    }
    if (reply.type === 'point' && this.spec.kind === 'sensitivity') {
      this.progress.set(shard, { done: reply.done, total: reply.total });
      const { done, total } = this.info();
      const file = this.spec.file;
      this.ctx.onPoint({ jobId: this.id, file, uri: pathToFileURL(file).toString(), group: reply.group, params: reply.params, ratio: reply.ratio, point: reply.point, done, total });
      if (onPointWritten) onPointWritten();
      else this.ctx.onResultsChanged(file);
      this.status(true);
    }
  }

  private runSharded(spec: SensitivityJobSpec, count: number): Promise<JobResult> {
    const runner = {
      run: (shard: SensitivityJobSpec, env: RunEnv, pointWritten: () => void) => this.runOne({ type: 'job', spec: shard, env }, shard.shard?.index ?? 0, pointWritten),
      stopAll: async () => {
        this.aborting = true;
        await Promise.all([...this.workers].map((w) => w.stop()));
      },
    };
    return runShardedScan(spec, count, this.ctx.env, runner, { log: this.ctx.log, onFolded: this.ctx.onResultsChanged });
  }
}
