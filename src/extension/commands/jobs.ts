/**
 * Cancel Job (a running job from the explorer, the status bar, or a pick) and the
 * internal `prunelens.startJob`, which the server's code actions run with a ready spec.
 */
import * as vscode from 'vscode';
import type { JobInfo, JobSpec } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import type { ExplorerNode } from '../explorer';

export async function cancelJob(ctx: Ctx, arg?: unknown): Promise<void> {
  const node = arg as ExplorerNode | undefined;
  if (node?.kind === 'job') return ctx.jobs.cancel(node.job.id);
  if (node?.kind === 'file') {
    const job = ctx.jobs.runningFor(node.entry.path);
    if (job) return ctx.jobs.cancel(job.id);
  }
  const running = ctx.jobs.running();
  if (running.length === 0) {
    void vscode.window.showInformationMessage('PruneLens: no job is running.');
    return;
  }
  const picked = await vscode.window.showQuickPick(
    running.map((j) => ({ label: j.title, description: j.total > 0 ? `${j.done}/${j.total}` : (j.stage ?? ''), id: j.id })),
    { title: 'Cancel Job', placeHolder: 'Job to cancel (its finished work is kept)' },
  );
  if (picked) await ctx.jobs.cancel(picked.id);
}

/**
 * Start Job, for scripts and other extensions: runs a job spec (docs/protocol.md) and
 * resolves with its last status once it has ended, so that a caller can chain jobs.
 */
export async function startJob(ctx: Ctx, spec?: JobSpec): Promise<JobInfo | undefined> {
  if (spec === undefined) return undefined;
  const started = await ctx.jobs.start(spec);
  return started === undefined ? undefined : ctx.jobs.ended(started.id);
}
