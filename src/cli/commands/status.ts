import { readShardSet, type ShardSetReport } from '../../core/sensitivity/shardSetFiles';
import { describeMissing, type ShardStatus } from '../../core/sensitivity/shardStatus';
import { PruneLensError } from '../../core/util/errors';
import { bool, onePositional, type CommandSpec } from '../args';
import type { CliContext } from '../context';

function shardLine(s: ShardStatus): string {
  const points = s.planned !== undefined ? `${s.present}/${s.planned} points` : 'points unknown';
  const lock = s.lock !== undefined ? `  lock: pid ${s.lock.pid}${s.lock.host ? ` on ${s.lock.host}` : ''}${s.lock.since ? ` since ${s.lock.since}` : ''}${s.lock.alive === false ? ' (stale)' : ''}` : '';
  return `  shard ${`${s.index}/${s.count}`.padEnd(7)} ${s.state.padEnd(10)} ${points.padEnd(16)} ${s.file ?? '(no file)'}${lock}`;
}

/** The report in lines, for people. */
function describe(report: ShardSetReport): string[] {
  if (!report.mainExists && report.shards.length === 0) return [`${report.main}: no results file and no shard files yet`];
  const lines: string[] = [];
  const where = report.mainExists ? report.main : `${report.main} (not written yet)`;
  if (report.shards.length === 0) {
    lines.push(`${where}: no shard files`);
  } else {
    const counts = [...new Set(report.shards.map((s) => s.count))].join(' and ');
    const done = report.shards.filter((s) => s.state === 'done').length;
    lines.push(`${where}: ${done} of ${report.shards.length} shards done (split ${counts} ways)${report.plan ? `, ratios ${report.plan.ratios.join(', ')}` : ''}`);
    lines.push(...report.shards.map(shardLine));
  }
  if (report.planned > 0) lines.push(`points: ${report.present} of ${report.planned} planned are measured${report.complete ? '' : `; missing: ${describeMissing(report)}`}`);
  if (report.mainLock !== undefined) lines.push(`${report.main} is in use by pid ${report.mainLock.pid}${report.mainLock.alive === false ? ' (stale lock)' : ''}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(report.complete ? 'complete' : 'incomplete');
  return lines;
}

export function statusCommand(ctx: CliContext): CommandSpec {
  const spec: CommandSpec = {
    name: 'status',
    usage: 'status FILE [--json] [--check]',
    summary:
      'Show where a split scan stands: which shards and points of FILE (a results file or one of its shards) are done, running (a lock held) or missing, ' +
      'from the shard plan recorded in its shard files.',
    options: {
      json: { type: 'boolean', help: 'print the status as JSON' },
      check: { type: 'boolean', help: 'exit with code 1 unless every planned point is there (for scripts)' },
    },
    async run(args) {
      const file = onePositional(args, spec, 'results file');
      const report = await readShardSet(file);
      if (bool(args, 'json')) ctx.log(JSON.stringify(report, null, 2));
      else for (const line of describe(report)) ctx.log(line);
      if (!bool(args, 'check')) return;
      if (!report.mainExists && report.shards.length === 0) throw new PruneLensError('no results file and no shard files yet', report.main);
      if (!report.complete) throw new PruneLensError(`incomplete: ${describeMissing(report)}`, report.main);
    },
  };
  return spec;
}
